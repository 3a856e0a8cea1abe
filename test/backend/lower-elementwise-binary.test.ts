import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { t } from '../helpers/op-harness.js';
import { ALL, BOOL, FLOATS, INTS, NUMERIC, UNSIGNED_INTS } from '../../src/ops/elementwise/types.js';
import {
  check,
  input,
  loops,
  int,
  PAIRS,
  sample,
  str,
  type SampleOptions,
} from './lower-elementwise-support.js';

/**
 * Two-input ops: every broadcasting form of [7] and [1,3,5,4] (and scalars, and empty outputs), with
 * the second input a runtime value and a constant, for each dtype the op allows. All are exact.
 */
interface Case {
  readonly op: string;
  readonly dtypes: readonly DType[];
  readonly attrs?: Attrs;
  /** Value ranges of the second input per dtype (shift counts). */
  readonly second?: (dtype: DType) => SampleOptions;
}

const bits = (dtype: DType) => ({ uint8: 8, uint16: 16, uint32: 32, uint64: 64 })[dtype as 'uint8'] ?? 32;

const CASES: readonly Case[] = [
  ...['Add', 'Sub', 'Mul', 'Div'].map((op) => ({ op, dtypes: NUMERIC })),
  { op: 'Mod', dtypes: NUMERIC },
  { op: 'Mod', dtypes: NUMERIC, attrs: { fmod: int(1) } },
  { op: 'Equal', dtypes: ALL },
  ...['Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual'].map((op) => ({ op, dtypes: NUMERIC })),
  ...['And', 'Or', 'Xor'].map((op) => ({ op, dtypes: BOOL })),
  ...['BitwiseAnd', 'BitwiseOr', 'BitwiseXor'].map((op) => ({ op, dtypes: INTS })),
  ...['LEFT', 'RIGHT'].map((d) => ({
    op: 'BitShift',
    dtypes: UNSIGNED_INTS,
    attrs: { direction: str(d) },
    second: (dtype: DType): SampleOptions => ({ range: [0, bits(dtype) + 3] }),
  })),
  { op: 'PRelu', dtypes: [...FLOATS, 'int32', 'int64', 'uint32', 'uint64'] },
];

const label = (attrs: Attrs | undefined) =>
  attrs ? ` {${Object.entries(attrs).map(([k, v]) => `${k}=${String(v.value)}`)}}` : '';

for (const c of CASES) {
  test(`${c.op}${label(c.attrs)} on ${c.dtypes.join(', ')}`, () => {
    for (const dtype of c.dtypes) {
      PAIRS.forEach(([as, bs], k) => {
        // PRelu broadcasts the slope to X only
        if (c.op === 'PRelu' && bs.length > as.length) return;
        const a = sample(dtype, as, 21 + k);
        const b = sample(dtype, bs, 41 + k, c.second?.(dtype));
        for (const constant of [false, true]) check(c.op, [input('a', a), input('b', b, constant)], c.attrs);
      });
    }
  });
}

test('opset < 7 broadcast with axis (legacy_axis) aligns B from that axis', () => {
  const a = sample('float32', [2, 3, 4, 5], 1);
  check('Add', [input('a', a), input('b', sample('float32', [3, 4], 2))], { legacy_axis: int(1) });
  check('Mul', [input('a', a), input('b', sample('float32', [3], 3))], { legacy_axis: int(-3) });
  check('Sub', [input('a', a), input('b', sample('float32', [4, 5], 4))], { legacy_axis: int(2) });
  check('PRelu', [input('a', a), input('b', sample('float32', [3], 5), true)], { legacy_axis: int(1) });
  check('Pow', [input('a', a), input('b', sample('float32', [3], 5))], { legacy_axis: int(1) });
});

test('large same-shape and channel-broadcast operands collapse to few loops', () => {
  const program = check('Add', [
    input('a', sample('float32', [2, 8, 6, 5], 1)),
    input('b', sample('float32', [1, 8, 1, 1], 2)),
  ]);
  const [k] = program.kernels;
  assert.equal(k!.name, 'add_bcast_f32');
  const nest = loops(k!);
  assert.deepEqual(
    nest.map((l) => [l.extent, l.parallel === true, l.vectorize === true]),
    [
      [2, true, false],
      [8, false, false],
      [30, false, true],
    ],
  );
});

interface PowCase {
  readonly base: DType;
  readonly exponent: DType;
}

const POW_BASES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float64', 'int32', 'int64'];

for (const base of POW_BASES) {
  test(`Pow with a ${base} base and every exponent dtype`, () => {
    for (const exponent of NUMERIC) {
      const c: PowCase = { base, exponent };
      if (c.base === 'int32' && c.exponent === 'uint64') continue; // refused, see below
      PAIRS.forEach(([as, bs], k) => {
        const isInt = !base.startsWith('float') && base !== 'bfloat16';
        const x = sample(base, as, 61 + k, isInt ? { range: [-12, 12] } : {});
        const range: [number, number] = exponent.startsWith('u') ? [0, 9] : [-3, 9];
        const y = sample(exponent, bs, 81 + k, exponent.includes('float') ? { scale: 3 } : { range });
        for (const constant of [false, true]) check('Pow', [input('x', x), input('y', y, constant)]);
      });
    }
  });
}

test('Pow by a uniform constant exponent takes it as an immediate', () => {
  const x = sample('float32', [1, 3, 5, 4], 7, { scale: 1e4 });
  for (const k of [1, 2, 0.5, 3, -1, 0, 0.1]) {
    const p = check('Pow', [input('x', x), input('y', fill('float32', k), true)]);
    assert.equal(p.kernels[0]!.name, 'pow_f32_f32');
    assert.deepEqual(p.kernels[0]!.reads, ['in:x']);
  }
  for (const dtype of ['float16', 'float64'] as const) {
    for (const k of [1, 2, 0.5, 0.1])
      check('Pow', [input('x', sample(dtype, [9, 4], 4)), input('y', fill('float32', k), true)]);
  }
  // exponents not exact in f32 (0.1 as a double), integer exponents, integer bases
  const ints = sample('int32', [9, 4], 2, { range: [-9, 9] });
  check('Pow', [input('x', sample('float32', [9, 4], 2)), input('y', fill('float64', 0.1), true)]);
  check('Pow', [input('x', sample('float32', [9, 4], 2)), input('y', fill('int64', 3), true)]);
  check('Pow', [input('x', ints), input('y', fill('int64', 3), true)]);
  check('Pow', [input('x', ints), input('y', fill('float32', 0.5), true)]);
  check('Pow', [
    input('x', sample('int64', [9, 4], 2, { range: [-9, 9] })),
    input('y', fill('int32', -2), true),
  ]);
});

/** A constant exponent of four equal elements. */
function fill(dtype: DType, k: number): Tensor {
  return t(dtype, [4], [k, k, k, k]);
}

test('Pow of an int32 base with a uint64 exponent is refused, not miscompiled', () => {
  assert.throws(
    () =>
      check('Pow', [
        input('x', sample('int32', [3], 1)),
        input('y', sample('uint64', [3], 2, { range: [0, 3] })),
      ]),
    /uint64 exponent/,
  );
});
