import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromNumbers, tensor } from '../../src/ir/tensor.js';
import { rand } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/**
 * Det lowering (LU with partial pivoting in float64, per matrix) against the reference, which
 * runs the same algorithm: results agree to the last bit. The random generators are tested in
 * lower-image-random.test.ts.
 */
test('Det: sizes 1 to 9, batch dims, float16 and float64', () => {
  const shapes = [
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 5, 5],
    [2, 3, 4, 4],
    [9, 9],
    [3, 1, 1],
  ];
  for (const shape of shapes) {
    for (const dtype of ['float32', 'float16', 'float64'] as const) {
      checkLinalg(
        'Det',
        [{ name: 'x', value: rand(shape, 41, dtype) }],
        {},
        { tolerance: { atol: 0, rtol: 0 } },
      );
    }
  }
});

test('Det: singular matrices, zero leading pivots, row swaps, empty matrices', () => {
  const matrices = [
    [0, 1, 2, 1, 0, 3, 4, -3, 8],
    [1, 2, 3, 2, 4, 6, 1, 1, 1],
    [0, 0, 0, 1, 2, 3, 4, 5, 6],
    [0, 0, 1, 0, 1, 0, 1, 0, 0],
    [2, 4, 1, 1, 2, 7, 3, 6, 5],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  ];
  checkLinalg(
    'Det',
    [{ name: 'x', value: fromNumbers('float32', [matrices.length, 3, 3], matrices.flat()) }],
    {},
    { tolerance: { atol: 0, rtol: 0 } },
  );
  checkLinalg('Det', [{ name: 'x', value: tensor('float32', [3, 0, 0]) }]);
  const empty = checkLinalg('Det', [{ name: 'x', value: tensor('float32', [0, 2, 2]) }]);
  assert.equal(empty.kernels.length, 0);
});
