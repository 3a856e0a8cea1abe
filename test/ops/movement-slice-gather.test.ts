import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32, i64, iota, ints, isSymbol, run1, shapeOfInfer, t, values } from '../helpers/op-harness.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

test('Slice: default axes and steps, clamped out-of-range bounds', () => {
  const x = iota([3, 4]);
  assert.deepEqual(values(run1('Slice', [x, ints(1, 1), ints(3, 3)])), [5, 6, 9, 10]);
  assert.deepEqual(values(run1('Slice', [x, ints(1), ints(1000), ints(1)])), [1, 2, 3, 5, 6, 7, 9, 10, 11]);
  assert.deepEqual(run1('Slice', [x, ints(10), ints(20)]).shape, [0, 4]);
  assert.deepEqual(
    values(run1('Slice', [x, ints(-1), ints(-1000), ints(0), ints(-1)])),
    [8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3],
  );
});

test('Slice: negative steps and INT64 sentinels', () => {
  const x = iota([5]);
  const rev = run1('Slice', [x, i64([1], [-1]), i64([1], [INT64_MIN]), ints(0), ints(-1)]);
  assert.deepEqual(values(rev), [4, 3, 2, 1, 0]);
  const tail = run1('Slice', [x, ints(2), i64([1], [INT64_MAX])]);
  assert.deepEqual(values(tail), [2, 3, 4]);
  assert.deepEqual(values(run1('Slice', [x, ints(4), ints(0), ints(0), ints(-2)])), [4, 2]);
  assert.deepEqual(values(run1('Slice', [x, ints(0), ints(5), ints(-1), ints(3)])), [0, 3]);
  assert.throws(() => run1('Slice', [x, ints(0), ints(5), ints(0), ints(0)]));
});

test('Slice on int64 and float16 data', () => {
  const big = 2n ** 61n;
  const y = run1('Slice', [i64([3], [big, 1n, -big]), ints(2), ints(-4), ints(0), ints(-2)]);
  assert.deepEqual([...(y.data as BigInt64Array)], [-big, big]);
  assert.deepEqual(values(run1('Slice', [t('float16', [3], [1.5, 2.5, 3.5]), ints(1), ints(3)])), [2.5, 3.5]);
});

test('Slice infer: exact with constants, whole-axis slices keep symbols, unknown bounds are fresh', () => {
  const x = { dtype: 'float32' as const, shape: ['b', 10, 'n'] };
  const max = i64([1], [INT64_MAX]);
  assert.deepEqual(shapeOfInfer('Slice', [x, ints(2), ints(-2), ints(1)]), ['b', 6, 'n']);
  assert.deepEqual(shapeOfInfer('Slice', [x, ints(0), max, ints(2)]), ['b', 10, 'n']);
  const cut = shapeOfInfer('Slice', [x, ints(1), max, ints(2)])!;
  assert.ok(isSymbol(cut[2]) && cut[2] !== 'n');
  const unknown = shapeOfInfer('Slice', [x, { dtype: 'int64', shape: [1] }, ints(5), ints(1)])!;
  assert.equal(unknown[0], 'b');
  assert.ok(isSymbol(unknown[1]));
  assert.equal(unknown[2], 'n');
});

test('Gather: axis 0 rows, inner axis, negative and scalar indices', () => {
  const x = iota([3, 2]);
  assert.deepEqual(values(run1('Gather', [x, ints(2, -3)])), [4, 5, 0, 1]);
  const cols = run1('Gather', [x, i64([2, 2], [1, 0, 0, 1])], { axis: 1 });
  assert.deepEqual(cols.shape, [3, 2, 2]);
  assert.deepEqual(values(cols).slice(0, 4), [1, 0, 0, 1]);
  const row = run1('Gather', [x, i64([], [1])]);
  assert.deepEqual(row.shape, [2]);
  assert.deepEqual(values(row), [2, 3]);
  assert.deepEqual(values(run1('Gather', [iota([40]), t('int32', [1], [33])])), [33]);
  assert.throws(() => run1('Gather', [x, ints(3)]));
});

test('Gather infer splices index dims in at the axis', () => {
  const shape = shapeOfInfer(
    'Gather',
    [
      { dtype: 'float32', shape: ['b', 7, 5] },
      { dtype: 'int64', shape: ['s'] },
    ],
    {
      axis: 1,
    },
  );
  assert.deepEqual(shape, ['b', 's', 5]);
  assert.deepEqual(shapeOfInfer('Gather', [{ dtype: 'int64', shape: [3] }, i64([], [0])]), []);
});

test('GatherElements: along each axis, negative indices', () => {
  const x = f32([2, 2], [1, 2, 3, 4]);
  assert.deepEqual(values(run1('GatherElements', [x, i64([2, 2], [0, 0, 1, 0])], { axis: 1 })), [1, 1, 4, 3]);
  const y = run1('GatherElements', [iota([3, 3]), i64([2, 3], [1, 2, 0, 2, 0, -1])], { axis: 0 });
  assert.deepEqual(values(y), [3, 7, 2, 6, 1, 8]);
  assert.throws(() => run1('GatherElements', [x, i64([1, 1], [2])], { axis: 0 }));
});

test('GatherND: full tuples, partial tuples and batch_dims', () => {
  const x = iota([2, 2]);
  assert.deepEqual(values(run1('GatherND', [x, i64([2, 2], [0, 0, 1, 1])])), [0, 3]);
  const rows = run1('GatherND', [x, i64([2, 1], [1, 0])]);
  assert.deepEqual(rows.shape, [2, 2]);
  assert.deepEqual(values(rows), [2, 3, 0, 1]);
  const cube = iota([2, 2, 2]);
  const batched = run1('GatherND', [cube, i64([2, 1], [1, 0])], { batch_dims: 1 });
  assert.deepEqual(batched.shape, [2, 2]);
  assert.deepEqual(values(batched), [2, 3, 4, 5]);
  assert.deepEqual(
    shapeOfInfer(
      'GatherND',
      [
        { dtype: 'float32', shape: [2, 3, 4] },
        { dtype: 'int64', shape: [2, 5, 1] },
      ],
      {
        batch_dims: 1,
      },
    ),
    [2, 5, 4],
  );
});
