import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatShape,
  fromNumbers,
  getNumber,
  reshapeTensor,
  scalar,
  sizeOf,
  stridesOf,
  tensor,
  toFloat32,
  toNumbers,
} from '../../src/ir/tensor.js';
import { isStaticShape, broadcastShapes } from '../../src/ir/shape.js';

test('sizeOf and stridesOf', () => {
  assert.equal(sizeOf([]), 1);
  assert.equal(sizeOf([2, 3, 4]), 24);
  assert.equal(sizeOf([2, 0, 3]), 0);
  assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(stridesOf([5]), [1]);
  assert.deepEqual(stridesOf([]), []);
  assert.deepEqual(stridesOf([3, 0, 2]), [0, 2, 1]);
});

test('tensor allocates or checks the data length, and copies the shape', () => {
  const shape = [2, 3];
  const t = tensor('float32', shape);
  assert.equal(t.data.length, 6);
  assert.ok(t.data instanceof Float32Array);
  shape[0] = 7;
  assert.deepEqual(t.shape, [2, 3]);
  assert.throws(() => tensor('float32', [2, 3], new Float32Array(5)), /5 elements/);
  const data = new Int32Array([1, 2]);
  assert.equal(tensor('int32', [2], data).data, data, 'given data is used, not copied');
});

test('fromNumbers converts to the storage of each dtype', () => {
  assert.deepEqual(Array.from(fromNumbers('float16', [3], [1, -2, 65520]).data), [0x3c00, 0xc000, 0x7c00]);
  assert.deepEqual(Array.from(fromNumbers('bfloat16', [2], [1, -2]).data), [0x3f80, 0xc000]);
  assert.deepEqual(Array.from(fromNumbers('bool', [4], [0, 2, -1, true]).data), [0, 1, 1, 1]);
  assert.deepEqual(Array.from(fromNumbers('int64', [3], [2.9, -2.9, 2n ** 62n]).data), [2n, -2n, 2n ** 62n]);
  assert.deepEqual(Array.from(fromNumbers('int8', [2], [127, -128]).data), [127, -128]);
  assert.deepEqual(Array.from(fromNumbers('float32', [2], [0.1, 3]).data), [Math.fround(0.1), 3]);
  const s = scalar('int32', 7);
  assert.deepEqual(s.shape, []);
  assert.deepEqual(Array.from(s.data), [7]);
});

test('getNumber, toNumbers and toFloat32 decode halves', () => {
  const h = fromNumbers('float16', [3], [1.5, -0.25, 1024]);
  assert.deepEqual(toNumbers(h), [1.5, -0.25, 1024]);
  assert.equal(getNumber(h, 1), -0.25);
  const b = fromNumbers('bfloat16', [2], [3, -0.5]);
  assert.deepEqual(Array.from(toFloat32(b)), [3, -0.5]);
  const i = fromNumbers('int64', [2], [5n, -6n]);
  assert.deepEqual(toNumbers(i), [5, -6]);
  assert.deepEqual(Array.from(toFloat32(i)), [5, -6]);
  const f = fromNumbers('float32', [2], [1, 2]);
  assert.equal(toFloat32(f), f.data, 'float32 data is returned as is');
});

test('reshapeTensor shares data and checks the element count', () => {
  const t = fromNumbers('int32', [2, 3], [1, 2, 3, 4, 5, 6]);
  const r = reshapeTensor(t, [3, 2]);
  assert.deepEqual(r.shape, [3, 2]);
  assert.equal(r.data, t.data);
  assert.throws(() => reshapeTensor(t, [4, 2]), /cannot view/);
});

test('formatShape and isStaticShape', () => {
  assert.equal(formatShape([1, 'batch', 3]), '[1,batch,3]');
  assert.equal(formatShape([]), '[]');
  assert.ok(isStaticShape([1, 2]));
  assert.ok(isStaticShape([]));
  assert.ok(!isStaticShape([1, 'n']));
  assert.ok(!isStaticShape(undefined));
});

test('broadcastShapes', () => {
  assert.deepEqual(
    broadcastShapes([
      [2, 1, 4],
      [3, 1],
    ]),
    [2, 3, 4],
  );
  assert.deepEqual(
    broadcastShapes([
      ['n', 4],
      [1, 4],
    ]),
    ['n', 4],
  );
  assert.deepEqual(
    broadcastShapes([
      ['n', 4],
      ['n', 1],
    ]),
    ['n', 4],
  );
  assert.deepEqual(broadcastShapes([[], [5]]), [5]);
  const bad = broadcastShapes([
    [2, 3],
    [4, 3],
  ]);
  assert.ok(!Array.isArray(bad) && /do not broadcast/.test(bad.error));
});
