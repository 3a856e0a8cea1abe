import { costModelTile } from '../../src/backend/lower/linalg/gemm-tile.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue } from '../../src/ir/graph.js';
import { fromNumbers, tensor, type Tensor } from '../../src/ir/tensor.js';
import { NccError } from '../../src/errors.js';
import { lowerDropout } from '../../src/backend/lower/movement/index.js';
import type { LowerContext } from '../../src/backend/lower/lowering.js';
import { interpretKernels } from '../../src/backend/kernel/interpret.js';
import { lower, nodeGraph } from '../helpers/lowering-harness.js';
import { DATA_DTYPES, HALF_NANS, bits, checkExact, i64, input, int, ints } from './lower-movement-support.js';

const tensorAttr = (value: Tensor): AttrValue => ({ kind: 'tensor', value });

test('ConstantOfShape: every data dtype, default zero, NaN payload bits kept', () => {
  for (const dtype of DATA_DTYPES) {
    const value = bits(dtype, [1], 9);
    checkExact('ConstantOfShape', [input('s', i64([2, 3, 5]), true)], { value: tensorAttr(value) });
  }
  checkExact('ConstantOfShape', [input('s', i64([4]), true)]);
  const nan = tensor('float16', [1], Uint16Array.of(HALF_NANS[0]));
  checkExact('ConstantOfShape', [input('s', i64([3, 1]), true)], { value: tensorAttr(nan) });
  checkExact('ConstantOfShape', [input('s', i64([0, 3]), true)], {
    value: tensorAttr(fromNumbers('int64', [1], [7])),
  });
});

test('Constant: uniform values fill, others copy from a weight', () => {
  const fill = checkExact('Constant', [], { value: tensorAttr(fromNumbers('int64', [3], [4, 4, 4])) });
  assert.ok(fill.kernels[0]!.name.startsWith('constant_fill'));
  const copy = checkExact('Constant', [], { value: tensorAttr(bits('float16', [2, 3])) });
  assert.ok(copy.kernels[0]!.name.startsWith('constant_copy'));
  checkExact('Constant', [], { value_ints: ints([1, -2, 3]) });
  checkExact('Constant', [], { value_float: { kind: 'float', value: 0.25 } });
});

test('EyeLike: diagonals above, on and below, rectangular, dtype attribute', () => {
  const dtypes: [DType, number | undefined][] = [
    ['float32', undefined],
    ['float16', undefined],
    ['int64', undefined],
    ['float32', 7], // int64
    ['int64', 9], // bool
    ['float32', 16], // bfloat16
  ];
  for (const [dtype, code] of dtypes) {
    for (const shape of [
      [3, 5],
      [5, 3],
      [4, 4],
    ]) {
      for (const k of [0, 1, -2, 4, -7]) {
        const attrs = { k: int(k), ...(code === undefined ? {} : { dtype: int(code) }) };
        checkExact('EyeLike', [input('x', bits(dtype, shape))], attrs);
      }
    }
  }
});

test('Range: float32, float64, int16, int32 and int64 (beyond 2^53), up and down', () => {
  const cases: [DType, number | bigint, number | bigint, number | bigint][] = [
    ['float32', 0.1, 2.3, 0.3],
    ['float32', 5, -3, -1.5],
    ['float64', 1, 2, 0.1],
    ['int32', -7, 12, 3],
    ['int32', 10, 0, -4],
    ['int16', 3, 40, 7],
    ['int64', 2n ** 60n, 2n ** 60n + 10n, 3n],
    ['int64', 5n, -5n, -2n],
  ];
  for (const [dtype, s, l, d] of cases) {
    const sc = (v: number | bigint) => input(`v${String(v)}`, fromNumbers(dtype, [], [v]), true);
    checkExact('Range', [
      { ...sc(s), name: 'start' },
      { ...sc(l), name: 'limit' },
      { ...sc(d), name: 'delta' },
    ]);
  }
  const empty = (n: string, v: number) => input(n, fromNumbers('float32', [], [v]), true);
  checkExact('Range', [empty('a', 3), empty('b', 1), empty('c', 1)]);
});

test('Shape and Size: int64 constants from the static shape, start/end windows', () => {
  const x = input('x', bits('float16', [2, 3, 5, 7]));
  checkExact('Shape', [x]);
  checkExact('Shape', [x], { start: int(1), end: int(-1) });
  checkExact('Shape', [x], { start: int(-2) });
  checkExact('Shape', [x], { start: int(3), end: int(1) });
  checkExact('Size', [x]);
  checkExact('Size', [input('y', bits('bool', [0, 4]))]);
});

test('OneHot: every axis, negative and out-of-range indices, int/float/uint32 indices, on/off bits', () => {
  const idx = (dtype: DType, shape: number[], vals: number[]) => fromNumbers(dtype, shape, vals);
  const vals = [0, 3, -1, 5, -5, 2, 4, -4, 1, 7, -6, 2];
  for (const axis of [-1, 0, 1, 2, -3]) {
    for (const [it, dt] of [
      ['int64', 'float32'],
      ['int32', 'float16'],
      ['float32', 'int64'],
      ['uint32', 'uint8'],
      ['float16', 'bool'],
    ] as const) {
      const v = it.startsWith('uint')
        ? vals.map((x) => Math.abs(x))
        : vals.map((x) => (it.startsWith('float') ? x + 0.5 * Math.sign(x) : x));
      const ins = [
        input('i', idx(it, [3, 4], v)),
        input('d', fromNumbers('int64', [], [5]), true),
        input('v', bits(dt, [2], axis + 10)),
      ];
      checkExact('OneHot', ins, { axis: int(axis) });
    }
  }
  // uint32 beyond 2^31 is a large positive index, never a negative one
  const big = fromNumbers('uint32', [2], [2 ** 32 - 1, 1]);
  checkExact('OneHot', [
    input('i', big),
    input('d', i64([3], []), true),
    input('v', fromNumbers('float32', [2], [0, 1]), true),
  ]);
});

test('NonZero and Unique are refused: their shapes depend on data', () => {
  for (const op of ['NonZero', 'Unique']) {
    const graph = nodeGraph(op, [input('x', bits('float32', [3, 4]))]);
    assert.throws(
      () => lower(graph),
      (e: unknown) => e instanceof NccError && /static shape|data-dependent/.test(e.message),
    );
  }
  const compress = nodeGraph(
    'Compress',
    [input('x', bits('float32', [3, 4])), input('c', fromNumbers('bool', [3], [1, 0, 1]))],
    {
      axis: int(0),
    },
  );
  assert.throws(() => lower(compress), NccError);
});

test('Dropout: a copy and an all-true mask; training mode refused, or checked at run time', () => {
  const x = bits('float16', [2, 3]);
  const out = tensor('float16', [2, 3]);
  const mask = tensor('bool', [2, 3]);
  const checks = new Int32Array(1);
  let n = 0;
  const ctx = (inputs: LowerContext['inputs']): LowerContext => ({
    chooseTile: costModelTile,
    node: { name: 'd', op: 'Dropout', domain: '', inputs: [], outputs: [], attrs: {} },
    attrs: {},
    inputs,
    outputs: [
      { buffer: 'out', dtype: 'float16', shape: [2, 3] },
      { buffer: 'mask', dtype: 'bool', shape: [2, 3] },
    ],
    scratch: () => 'scratch',
    constant: () => 'constant',
    fresh: (p) => `${p}${n++}_`,
    check: (cond) => ({
      op: 'if',
      cond,
      then: [
        {
          op: 'store',
          buffer: 'checks',
          dtype: 'int32',
          index: { terms: [], offset: 0 },
          value: { op: 'const', type: 'i32', value: 1 },
        },
      ],
      else: [],
    }),
  });
  const xv = { buffer: 'x', dtype: 'float16' as const, shape: [2, 3] };
  const lowered = lowerDropout(ctx([xv]));
  assert.ok('kernels' in lowered);
  const buffers = (t: Tensor, r: Tensor) =>
    new Map<string, Tensor['data']>([
      ['x', x.data],
      ['out', out.data],
      ['mask', mask.data],
      ['checks', checks],
      ['t', t.data],
      ['r', r.data],
    ]);
  const yes = fromNumbers('bool', [], [1]);
  const no = fromNumbers('bool', [], [0]);
  const half = fromNumbers('float32', [], [0.5]);
  const zeroRatio = fromNumbers('float32', [], [0]);
  interpretKernels(lowered.kernels, buffers(no, half));
  assert.deepEqual([...out.data], [...x.data]);
  assert.deepEqual([...mask.data], [1, 1, 1, 1, 1, 1]);
  const training = { buffer: 't', dtype: 'bool' as const, shape: [], constant: yes };
  assert.throws(() => lowerDropout(ctx([xv, undefined, training])), /training mode/);
  const ratio = { buffer: 'r', dtype: 'float32' as const, shape: [] };
  const zero = { ...ratio, constant: zeroRatio };
  assert.doesNotThrow(() => lowerDropout(ctx([xv, zero, training])));
  // training flag and ratio known only at run time: a guard kernel records a failure when both are set
  const guarded = lowerDropout(ctx([xv, ratio, { ...training, constant: undefined }]));
  assert.ok('kernels' in guarded);
  for (const [t, r, failed] of [
    [no, half, 0],
    [yes, zeroRatio, 0],
    [yes, half, 1],
  ] as const) {
    checks[0] = 0;
    interpretKernels(guarded.kernels, buffers(t, r));
    assert.equal(checks[0], failed, `training ${t.data[0]} ratio ${r.data[0]}`);
  }
});
