import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import '../../src/backend/lower/all.js';
import { axisSubsets, check, i64, int, random, tolerance } from './lower-reduce-support.js';

const OPS = [
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
];
const SHAPES = [[7], [3, 5], [2, 3, 4], [2, 1, 5, 3]];

function sweep(op: string, dtype: DType, shapes: readonly number[][] = SHAPES): number {
  let n = 0;
  for (const shape of shapes) {
    // positive inputs keep LogSum and L2 away from NaN so the comparison means something
    const positive = op === 'ReduceLogSum' || op === 'ReduceProd';
    const x = random(dtype, shape, 7 + n, positive ? 0.5 : -2, positive ? 1.5 : 2);
    for (const axes of [[], ...axisSubsets(shape.length)]) {
      for (const keepdims of [0, 1]) {
        const inputs = [
          { name: 'x', value: x },
          axes.length ? { name: 'axes', value: i64(axes), constant: true } : undefined,
        ];
        check(op, inputs, { keepdims: int(keepdims) }, { tolerance: tolerance(dtype) });
        n++;
      }
    }
  }
  return n;
}

for (const op of OPS) {
  test(`${op} lowers: every axis subset, keepdims both ways, float32/float16/float64`, () => {
    for (const dtype of ['float32', 'float16', 'float64'] as const) assert.ok(sweep(op, dtype) > 0);
  });
}

test('integer reductions: int32, int64, uint32, uint64', () => {
  for (const op of OPS) {
    for (const dtype of ['int32', 'int64', 'uint32', 'uint64'] as const)
      sweep(op, dtype, [[5], [3, 4], [2, 3, 2]]);
  }
});

test('max/min take bool and 8-bit integers', () => {
  for (const op of ['ReduceMax', 'ReduceMin']) {
    for (const dtype of ['bool', 'int8', 'uint8'] as const) sweep(op, dtype, [[5], [3, 4]]);
  }
});

test('noop_with_empty_axes keeps the input; an omitted axes input reduces everything', () => {
  const x = random('float32', [3, 4], 3);
  const p = check(
    'ReduceSum',
    [
      { name: 'x', value: x },
      { name: 'axes', value: i64([]), constant: true },
    ],
    {
      noop_with_empty_axes: int(1),
    },
  );
  assert.equal(p.kernels.length, 0);
  check('ReduceMean', [{ name: 'x', value: x }], { keepdims: int(0) });
});

test('empty reductions give the identity', () => {
  const x = random('float32', [3, 0, 2], 3);
  for (const op of OPS) {
    check(op, [
      { name: 'x', value: x },
      { name: 'axes', value: i64([1]), constant: true },
    ]);
  }
  const xi = fromNumbers('int32', [2, 0], []);
  for (const op of ['ReduceMax', 'ReduceMin', 'ReduceSum', 'ReduceProd', 'ReduceMean']) {
    check(op, [
      { name: 'x', value: xi },
      { name: 'axes', value: i64([1]), constant: true },
    ]);
  }
});

test('NaN propagates through max and min', () => {
  const x = fromNumbers('float32', [2, 3], [1, NaN, 3, 4, 5, 6]);
  for (const op of ['ReduceMax', 'ReduceMin', 'ReduceLogSumExp']) {
    for (const axes of [[0], [1]]) {
      check(op, [
        { name: 'x', value: x },
        { name: 'axes', value: i64(axes), constant: true },
      ]);
    }
  }
});

test('a last-axis reduction keeps scalar accumulators; a middle one vectorizes over the inner dim', () => {
  const x = random('float32', [4, 6, 5], 2);
  const last = check('ReduceSum', [
    { name: 'x', value: x },
    { name: 'axes', value: i64([-1]), constant: true },
  ]);
  assert.match(last.kernels[0]!.name, /^reduce_sum_rows_f32$/);
  const mid = check('ReduceSum', [
    { name: 'x', value: x },
    { name: 'axes', value: i64([1]), constant: true },
  ]);
  assert.match(mid.kernels[0]!.name, /^reduce_sum_inner_f32$/);
  const loop = mid.kernels[0]!.body[0]!;
  assert.ok(loop.op === 'loop' && loop.parallel === true && loop.extent === 4);
});

test('a reduction over leading axes splits the kept inner dim into row chunks threads can share', () => {
  const x = random('float32', [5, 1024], 4);
  for (const op of ['ReduceSum', 'ReduceMax', 'ReduceLogSumExp']) {
    const p = check(
      op,
      [
        { name: 'x', value: x },
        { name: 'axes', value: i64([0]), constant: true },
      ],
      {},
      { tolerance: tolerance('float32') },
    );
    const loop = p.kernels[0]!.body[0]!;
    assert.ok(
      p.kernels[0]!.body.length === 1 && loop.op === 'loop' && loop.parallel === true && loop.extent === 4,
    );
  }
});
