import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32, i64, infer, iota, ints, isSymbol, run1, shapeOfInfer, values } from '../helpers/op-harness.js';

test('Reshape: 0 copies a dim, -1 takes the rest, data is shared', () => {
  const x = iota([2, 3, 4]);
  const y = run1('Reshape', [x, ints(0, -1)]);
  assert.deepEqual(y.shape, [2, 12]);
  assert.equal(y.data, x.data);
  assert.deepEqual(run1('Reshape', [x, ints(-1)]).shape, [24]);
  assert.deepEqual(run1('Reshape', [x, ints(4, 0, 2)]).shape, [4, 3, 2]);
});

test('Reshape: allowzero keeps a literal 0; invalid specs throw', () => {
  const empty = f32([0, 3], []);
  assert.deepEqual(run1('Reshape', [empty, ints(3, 0)], { allowzero: 1 }).shape, [3, 0]);
  assert.deepEqual(run1('Reshape', [empty, ints(0, 3)], { allowzero: 0 }).shape, [0, 3]);
  assert.throws(() => run1('Reshape', [iota([6]), ints(-1, -1)]));
  assert.throws(() => run1('Reshape', [iota([6]), ints(4, -1)]));
  assert.throws(() => run1('Reshape', [iota([6]), ints(5)]));
  assert.throws(() => run1('Reshape', [empty, ints(0, -1)], { allowzero: 1 }));
});

test('Reshape infer: symbols cancel against -1, a missing shape gives fresh dims of the right rank', () => {
  const x = { dtype: 'float32' as const, shape: ['batch', 128, 768] };
  assert.deepEqual(shapeOfInfer('Reshape', [x, ints(0, 0, 12, 64)]), ['batch', 128, 12, 64]);
  assert.deepEqual(shapeOfInfer('Reshape', [x, ints(0, -1, 64)]), ['batch', 1536, 64]);
  const flat = shapeOfInfer('Reshape', [x, ints(-1, 768)])!;
  assert.ok(isSymbol(flat[0]) && flat[0] !== 'batch');
  assert.deepEqual(flat[1], 768);
  assert.deepEqual(shapeOfInfer('Reshape', [{ dtype: 'float32', shape: ['n', 4] }, ints(-1)])!.length, 1);
  assert.deepEqual(shapeOfInfer('Reshape', [{ dtype: 'float32', shape: ['n', 1] }, ints(-1)]), ['n']);
  const unknown = shapeOfInfer('Reshape', [x, { dtype: 'int64', shape: [3] }])!;
  assert.equal(unknown.length, 3);
  assert.ok(unknown.every(isSymbol));
  assert.equal(shapeOfInfer('Reshape', [x, { dtype: 'int64', shape: ['k'] }]), undefined);
  assert.deepEqual(shapeOfInfer('Reshape', [{ dtype: 'float32', shape: [2, 3] }, ints(3, -1)]), [3, 2]);
});

test('Flatten: axis 0, default, negative and symbolic dims', () => {
  const x = iota([2, 3, 4, 5]);
  assert.deepEqual(run1('Flatten', [x], { axis: 0 }).shape, [1, 120]);
  assert.deepEqual(run1('Flatten', [x]).shape, [2, 60]);
  assert.deepEqual(run1('Flatten', [x], { axis: -1 }).shape, [24, 5]);
  assert.deepEqual(run1('Flatten', [x], { axis: 4 }).shape, [120, 1]);
  assert.throws(() => run1('Flatten', [x], { axis: 5 }));
  assert.deepEqual(shapeOfInfer('Flatten', [{ dtype: 'float32', shape: ['b', 3, 4] }]), ['b', 12]);
  assert.deepEqual(shapeOfInfer('Flatten', [{ dtype: 'float32', shape: ['b', 1, 1] }], { axis: 2 }), [
    'b',
    1,
  ]);
});

test('Squeeze: listed axes (negative too), or every size-1 dim', () => {
  const x = iota([1, 3, 1, 2]);
  assert.deepEqual(run1('Squeeze', [x]).shape, [3, 2]);
  assert.deepEqual(run1('Squeeze', [x, ints(-2)]).shape, [1, 3, 2]);
  assert.deepEqual(values(run1('Squeeze', [x, ints(0, 2)])), values(x));
  assert.throws(() => run1('Squeeze', [x, ints(1)]));
  assert.deepEqual(shapeOfInfer('Squeeze', [{ dtype: 'float32', shape: ['b', 1, 5] }, ints(1)]), ['b', 5]);
  const unknown = shapeOfInfer('Squeeze', [
    { dtype: 'float32', shape: ['b', 1, 5] },
    { dtype: 'int64', shape: [1] },
  ]);
  assert.equal(unknown!.length, 2);
});

test('Unsqueeze: axes refer to the output rank, in any order', () => {
  const x = iota([3, 4]);
  assert.deepEqual(run1('Unsqueeze', [x, ints(0)]).shape, [1, 3, 4]);
  assert.deepEqual(run1('Unsqueeze', [x, ints(-1)]).shape, [3, 4, 1]);
  assert.deepEqual(run1('Unsqueeze', [x, ints(3, 1)]).shape, [3, 1, 4, 1]);
  assert.deepEqual(run1('Unsqueeze', [f32([], [7]), ints(0)]).shape, [1]);
  assert.throws(() => run1('Unsqueeze', [x, ints(0, 0)]));
  assert.deepEqual(shapeOfInfer('Unsqueeze', [{ dtype: 'int64', shape: [] }, ints(0)]), [1]);
  assert.deepEqual(shapeOfInfer('Unsqueeze', [{ dtype: 'float32', shape: ['s', 2] }, ints(0, -1)]), [
    1,
    's',
    2,
    1,
  ]);
  assert.equal(
    infer('Unsqueeze', [
      { dtype: 'float32', shape: ['s'] },
      { dtype: 'int64', shape: [2] },
    ])[0]!.shape!.length,
    3,
  );
});

test('int64 data moves through views untouched', () => {
  const big = 2n ** 62n + 1n;
  const y = run1('Reshape', [i64([2, 1], [big, -big]), ints(2)]);
  assert.deepEqual([...(y.data as BigInt64Array)], [big, -big]);
});

test('a Shape -> Gather -> Unsqueeze -> Concat chain gives Reshape an exact shape', () => {
  const x = iota([2, 3, 4]);
  const shape = run1('Shape', [x]);
  const batch = run1('Unsqueeze', [run1('Gather', [shape, i64([], [0])]), ints(0)]);
  const target = run1('Concat', [batch, ints(-1)], { axis: 0 });
  assert.deepEqual(values(target), [2, -1]);
  assert.deepEqual(shapeOfInfer('Reshape', [{ dtype: 'float32', shape: [2, 3, 4] }, target]), [2, 12]);
  assert.deepEqual(shapeOfInfer('Shape', [{ dtype: 'float32', shape: undefined }])!.length, 1);
});
