import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import { fromNumbers, getNumber } from '../../src/ir/tensor.js';
import '../../src/backend/lower/all.js';
import { check, float, i64, int, ints, random, str, tolerance } from './lower-reduce-support.js';

const FLOATS: readonly DType[] = ['float32', 'float16', 'float64'];
const SHAPES = [[7], [3, 5], [2, 3, 4], [2, 1, 5, 3]];

test('LpNormalization p=1 and p=2 along every axis, zero rows give 0', () => {
  for (const dtype of FLOATS) {
    for (const shape of SHAPES) {
      const x = random(dtype, shape, 5);
      for (let axis = -shape.length; axis < shape.length; axis++) {
        for (const p of [1, 2]) {
          check(
            'LpNormalization',
            [{ name: 'x', value: x }],
            { axis: int(axis), p: int(p) },
            { tolerance: tolerance(dtype) },
          );
        }
      }
    }
  }
  const zeros = fromNumbers('float32', [2, 3], [0, 0, 0, 1, 2, 3]);
  check('LpNormalization', [{ name: 'x', value: zeros }], { axis: int(1) });
});

test('MeanVarianceNormalization over default and arbitrary axes', () => {
  for (const dtype of FLOATS) {
    const x = random(dtype, [2, 3, 4, 5], 6);
    for (const axes of [[0, 2, 3], [1], [-1], [0, 1, 2, 3], [1, 3], [0, 2]]) {
      check(
        'MeanVarianceNormalization',
        [{ name: 'x', value: x }],
        { axes: ints(axes) },
        { tolerance: tolerance(dtype) },
      );
    }
  }
});

test('LRN: odd and even windows, both layouts', () => {
  for (const dtype of FLOATS) {
    for (const layout of ['NCHW', 'NHWC']) {
      for (const size of [1, 2, 3, 5, 9]) {
        for (const shape of [
          [2, 5, 3, 2],
          [1, 4, 6],
        ]) {
          check(
            'LRN',
            [{ name: 'x', value: random(dtype, shape, size) }],
            { size: int(size), alpha: float(0.01), beta: float(0.75), bias: float(1.5), layout: str(layout) },
            { tolerance: tolerance(dtype) },
          );
        }
      }
    }
  }
});

test('CumSum and CumProd: every axis, exclusive and reverse, floats and integers', () => {
  for (const op of ['CumSum', 'CumProd']) {
    for (const dtype of ['float32', 'float16', 'float64', 'int32', 'int64', 'uint32', 'uint64'] as const) {
      for (const shape of [[6], [3, 4], [2, 3, 4], [2, 1, 3]]) {
        const x =
          op === 'CumProd' && dtype.startsWith('float')
            ? random(dtype, shape, 2, 0.5, 1.5)
            : random(dtype, shape, 2);
        for (let axis = -shape.length; axis < shape.length; axis++) {
          for (const exclusive of [0, 1]) {
            for (const reverse of [0, 1]) {
              check(
                op,
                [
                  { name: 'x', value: x },
                  { name: 'axis', value: i64([axis], []), constant: true },
                ],
                { exclusive: int(exclusive), reverse: int(reverse) },
                { tolerance: tolerance(dtype) },
              );
            }
          }
        }
      }
    }
  }
});

test('TopK: largest and smallest, every axis, every k, ties and NaN ordered as the reference', () => {
  for (const dtype of ['float32', 'float16', 'float64', 'int32', 'int64', 'uint8', 'uint64'] as const) {
    for (const shape of [[7], [3, 5], [2, 4, 3]]) {
      const r = random(dtype, shape, 11);
      // few distinct values so ties are common
      const x = dtype.startsWith('float')
        ? fromNumbers(
            dtype,
            shape,
            Array.from({ length: r.data.length }, (_, i) => Math.round(getNumber(r, i))),
          )
        : r;
      for (let axis = -shape.length; axis < shape.length; axis++) {
        const n = shape[axis < 0 ? axis + shape.length : axis]!;
        for (const k of [0, 1, 2, n]) {
          for (const largest of [0, 1]) {
            check(
              'TopK',
              [
                { name: 'x', value: x },
                { name: 'k', value: i64([k]), constant: true },
              ],
              { axis: int(axis), largest: int(largest) },
              { outputs: 2 },
            );
          }
        }
      }
    }
  }
  const nan = fromNumbers('float32', [8], [1, NaN, 3, -Infinity, NaN, 3, Infinity, 0]);
  for (const largest of [0, 1]) {
    for (const k of [3, 8]) {
      const p = check(
        'TopK',
        [
          { name: 'x', value: nan },
          { name: 'k', value: i64([k]), constant: true },
        ],
        { largest: int(largest) },
        { outputs: 2 },
      );
      assert.equal(p.kernels.length, 1);
    }
  }
});

test('CumSum with an axis known only at run time picks the loop nest by its value', () => {
  const x = random('float32', [2, 3, 4], 5);
  for (const axis of [-3, -1, 0, 1, 2]) {
    for (const dtype of ['int32', 'int64'] as const) {
      const a = fromNumbers(dtype, [], [axis]);
      const p = check(
        'CumSum',
        [
          { name: 'x', value: x },
          { name: 'axis', value: a },
        ],
        { reverse: int(1) },
      );
      assert.equal(p.kernels[0]!.name, 'cumsum_anyaxis_f32');
    }
  }
});
