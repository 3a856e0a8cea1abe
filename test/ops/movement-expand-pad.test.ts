import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32, i64, iota, ints, isSymbol, run1, shapeOfInfer, t, values } from '../helpers/op-harness.js';

test('Expand: broadcasts up, keeps larger input dims, adds leading axes', () => {
  const x = f32([3, 1], [1, 2, 3]);
  const y = run1('Expand', [x, ints(2, 1, 2)]);
  assert.deepEqual(y.shape, [2, 3, 2]);
  assert.deepEqual(values(y), [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual(run1('Expand', [x, ints(1)]).shape, [3, 1]);
  assert.deepEqual(values(run1('Expand', [i64([], [5]), ints(2)])), [5, 5]);
  assert.throws(() => run1('Expand', [x, ints(2, 2)]));
  assert.deepEqual(shapeOfInfer('Expand', [{ dtype: 'float32', shape: ['b', 1] }, ints(1, 4)]), ['b', 4]);
  const unknown = shapeOfInfer('Expand', [
    { dtype: 'float32', shape: [1, 5] },
    { dtype: 'int64', shape: [2] },
  ])!;
  assert.ok(isSymbol(unknown[0]));
  assert.equal(unknown[1], 5);
});

test('Tile: repeats each axis, zero repeats empty it', () => {
  const x = f32([2, 2], [1, 2, 3, 4]);
  const y = run1('Tile', [x, ints(1, 2)]);
  assert.deepEqual(values(y), [1, 2, 1, 2, 3, 4, 3, 4]);
  assert.deepEqual(values(run1('Tile', [x, ints(2, 1)])), [1, 2, 3, 4, 1, 2, 3, 4]);
  assert.deepEqual(run1('Tile', [x, ints(0, 3)]).shape, [0, 6]);
  assert.throws(() => run1('Tile', [x, ints(2)]));
  assert.deepEqual(shapeOfInfer('Tile', [{ dtype: 'float32', shape: ['b', 3] }, ints(1, 2)]), ['b', 6]);
});

test('Pad constant: value input, axes input, negative pads crop', () => {
  const x = f32([2, 2], [1, 2, 3, 4]);
  const y = run1('Pad', [x, ints(0, 1, 0, 1), f32([], [9])]);
  assert.deepEqual(values(y), [9, 1, 2, 9, 9, 3, 4, 9]);
  const ax = run1('Pad', [x, ints(1, 0), undefined, ints(-2)]);
  assert.deepEqual(ax.shape, [3, 2]);
  assert.deepEqual(values(ax), [0, 0, 1, 2, 3, 4]);
  assert.deepEqual(values(run1('Pad', [iota([4]), ints(-1, -2)])), [1]);
  assert.deepEqual(values(run1('Pad', [iota([3]), ints(-1, 1)])), [1, 2, 0]);
});

test('Pad reflect, edge and wrap, with pads larger than the axis', () => {
  const x = f32([3], [1, 2, 3]);
  assert.deepEqual(values(run1('Pad', [x, ints(2, 2)], { mode: 'reflect' })), [3, 2, 1, 2, 3, 2, 1]);
  assert.deepEqual(values(run1('Pad', [x, ints(4, 0)], { mode: 'reflect' })), [1, 2, 3, 2, 1, 2, 3]);
  assert.deepEqual(values(run1('Pad', [x, ints(2, 1)], { mode: 'edge' })), [1, 1, 1, 2, 3, 3]);
  assert.deepEqual(values(run1('Pad', [x, ints(4, 2)], { mode: 'wrap' })), [3, 1, 2, 3, 1, 2, 3, 1, 2]);
  // negative pads crop first; the mode then reads the cropped range
  assert.deepEqual(values(run1('Pad', [iota([4]), ints(-1, 2)], { mode: 'edge' })), [1, 2, 3, 3, 3]);
  assert.throws(() => run1('Pad', [f32([0], []), ints(1, 1)], { mode: 'reflect' }));
});

test('Pad fills in the data dtype: float16 bits, int64, a float32 fill from an old opset', () => {
  const h = run1('Pad', [t('float16', [1], [1]), ints(1, 0), t('float16', [], [0.5])]);
  assert.deepEqual(values(h), [0.5, 1]);
  const l = run1('Pad', [i64([1], [7]), ints(0, 1), i64([], [-3])]);
  assert.deepEqual([...(l.data as BigInt64Array)], [7n, -3n]);
  const converted = run1('Pad', [t('float16', [1], [1]), ints(1, 0), f32([], [2.5])]);
  assert.deepEqual(values(converted), [2.5, 1]);
});

test('Pad infer: exact with constants, symbols kept when an axis is not padded', () => {
  const x = { dtype: 'float32' as const, shape: ['b', 3, 4] };
  assert.deepEqual(shapeOfInfer('Pad', [x, ints(0, 1, 1, 0, 1, 1)]), ['b', 5, 6]);
  assert.deepEqual(shapeOfInfer('Pad', [x, ints(1, 2), undefined, ints(-1)]), ['b', 3, 7]);
  const unknown = shapeOfInfer('Pad', [x, { dtype: 'int64', shape: [6] }])!;
  assert.ok(unknown.every(isSymbol));
});

test('CenterCropPad: crops and pads around the centre, extra element at the end', () => {
  const x = iota([5]);
  assert.deepEqual(values(run1('CenterCropPad', [x, ints(3)])), [1, 2, 3]);
  assert.deepEqual(values(run1('CenterCropPad', [x, ints(2)])), [1, 2]);
  assert.deepEqual(values(run1('CenterCropPad', [iota([2]), ints(5)])), [0, 0, 1, 0, 0]);
  const hw = run1('CenterCropPad', [iota([2, 4, 1]), ints(2, 2)], { axes: [0, 1] });
  assert.deepEqual(values(hw), [1, 2, 5, 6]);
  assert.deepEqual(
    shapeOfInfer('CenterCropPad', [{ dtype: 'float32', shape: ['h', 'w', 3] }, ints(8, 8)], {
      axes: [0, -2],
    }),
    [8, 8, 3],
  );
});
