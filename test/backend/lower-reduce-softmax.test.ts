import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromNumbers, getNumber } from '../../src/ir/tensor.js';
import '../../src/backend/lower/all.js';
import { check, int, random, tolerance } from './lower-reduce-support.js';

const SHAPES = [[7], [3, 5], [2, 3, 4], [2, 1, 5, 3]];

for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) {
  test(`${op} lowers along every axis (negative too), every float dtype`, () => {
    for (const dtype of ['float32', 'float16', 'float64', 'bfloat16'] as const) {
      for (const shape of SHAPES) {
        const x = random(dtype, shape, shape.length, -6, 6);
        for (let axis = -shape.length; axis < shape.length; axis++) {
          check(op, [{ name: 'x', value: x }], { axis: int(axis) }, { tolerance: tolerance(dtype) });
        }
      }
    }
  });

  test(`${op} with coerce2d flattens from the axis on (axis == rank too)`, () => {
    const x = random('float32', [2, 3, 4], 9, -3, 3);
    for (let axis = 0; axis <= 3; axis++) {
      check(
        op,
        [{ name: 'x', value: x }],
        { axis: int(axis), coerce2d: int(1) },
        { tolerance: tolerance('float32') },
      );
    }
  });
}

test('softmax is safe for large inputs and propagates NaN rows as the reference does', () => {
  const x = fromNumbers('float32', [3, 3], [1000, 1001, 999, -Infinity, 0, 1, NaN, 1, 2]);
  for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) {
    for (const axis of [0, 1]) check(op, [{ name: 'x', value: x }], { axis: int(axis) });
  }
  const ties = fromNumbers('float32', [2, 4], [3, 1, 3, 0, -Infinity, -Infinity, -Infinity, -Infinity]);
  check('Hardmax', [{ name: 'x', value: ties }], { axis: int(1) });
});

test('the last axis keeps scalar accumulators and computes one exp per element', () => {
  const p = check('Softmax', [{ name: 'x', value: random('float32', [4, 33], 2) }]);
  assert.equal(p.kernels[0]!.name, 'softmax_lastaxis_f32');
  const exps = JSON.stringify(p.kernels[0]!.body).match(/"fn":"exp"/g) ?? [];
  assert.equal(exps.length, 1);
  const mid = check('Softmax', [{ name: 'x', value: random('float32', [4, 5, 6], 2) }], {
    axis: int(1),
  });
  assert.equal(mid.kernels[0]!.name, 'softmax_inner_f32');
});

for (const op of ['ArgMax', 'ArgMin']) {
  test(`${op} lowers along every axis, keepdims and select_last_index both ways`, () => {
    for (const dtype of [
      'float32',
      'float16',
      'float64',
      'int32',
      'int64',
      'uint8',
      'uint32',
      'uint64',
      'int8',
    ] as const) {
      for (const shape of SHAPES) {
        // few distinct values make ties common
        const x = random(dtype, shape, 3 + shape.length);
        const xq = dtype.startsWith('float')
          ? fromNumbers(
              dtype,
              shape,
              Array.from({ length: x.data.length }, (_, i) => Math.round(getNumber(x, i)) % 3),
            )
          : x;
        for (let axis = -shape.length; axis < shape.length; axis++) {
          for (const keepdims of [0, 1]) {
            for (const last of [0, 1]) {
              check(op, [{ name: 'x', value: xq }], {
                axis: int(axis),
                keepdims: int(keepdims),
                select_last_index: int(last),
              });
            }
          }
        }
      }
    }
  });
}

test('arg reductions: the first NaN wins; -inf rows pick the first (or last) index', () => {
  const x = fromNumbers(
    'float32',
    [3, 4],
    [1, NaN, 5, NaN, -Infinity, -Infinity, -Infinity, -Infinity, 2, 9, 9, 1],
  );
  for (const op of ['ArgMax', 'ArgMin']) {
    for (const axis of [0, 1]) {
      for (const last of [0, 1])
        check(op, [{ name: 'x', value: x }], { axis: int(axis), select_last_index: int(last) });
    }
  }
  const extremes = fromNumbers('int32', [4], [-2147483648, -2147483648, 2147483647, 2147483647]);
  for (const op of ['ArgMax', 'ArgMin']) {
    for (const last of [0, 1]) check(op, [{ name: 'x', value: extremes }], { select_last_index: int(last) });
  }
});
