import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32, i64, infer, run, t, values } from '../helpers/op-harness.js';

test('ArgMax ties pick the first index, or the last with select_last_index', () => {
  const x = f32([2, 3], [1, 5, 5, 2, 2, 0]);
  const [first] = run('ArgMax', [x], { axis: 1 });
  assert.equal(first!.dtype, 'int64');
  assert.deepEqual(first!.shape, [2, 1]);
  assert.deepEqual(values(first!), [1, 0]);
  const [last] = run('ArgMax', [x], { axis: -1, select_last_index: 1, keepdims: 0 });
  assert.deepEqual(last!.shape, [2]);
  assert.deepEqual(values(last!), [2, 1]);
});

test('ArgMin along axis 0 with an inner extent', () => {
  const [y] = run('ArgMin', [f32([3, 2], [3, 1, 0, 4, 2, 0])], { axis: 0, keepdims: 0 });
  assert.deepEqual(values(y!), [1, 2]);
});

test('ArgMax: NaN wins; int64 compares exactly', () => {
  assert.deepEqual(values(run('ArgMax', [f32([4], [1, NaN, 9, NaN])])[0]!), [1]);
  const big = 2n ** 60n;
  assert.deepEqual(values(run('ArgMax', [i64([3], [big, big + 1n, big])])[0]!), [1]);
  assert.deepEqual(
    values(run('ArgMin', [i64([3], [big, big + 1n, big])], { select_last_index: 1 })[0]!),
    [2],
  );
});

test('TopK: largest, ties by lower index, values keep the dtype', () => {
  const x = f32([2, 4], [1, 3, 3, 2, 0, -1, 7, 7]);
  const [v, idx] = run('TopK', [x, i64([1], [2])], {}, 2);
  assert.deepEqual(v!.shape, [2, 2]);
  assert.deepEqual(values(v!), [3, 3, 7, 7]);
  assert.deepEqual(values(idx!), [1, 2, 2, 3]);
  const [s, sIdx] = run('TopK', [x, i64([1], [3])], { largest: 0 }, 2);
  assert.deepEqual(values(s!), [1, 2, 3, -1, 0, 7]);
  assert.deepEqual(values(sIdx!), [0, 3, 1, 1, 0, 2]);
});

test('TopK along axis 0, uint64 and k = 0', () => {
  const [v, idx] = run('TopK', [f32([3, 2], [1, 6, 5, 2, 3, 4]), i64([1], [1])], { axis: 0 }, 2);
  assert.deepEqual(values(v!), [5, 6]);
  assert.deepEqual(values(idx!), [1, 0]);
  const u = t('uint64', [3], [2n ** 64n - 1n, 0n, 5n]);
  const [uv] = run('TopK', [u, i64([1], [2])], {}, 2);
  assert.deepEqual([...(uv!.data as BigUint64Array)], [2n ** 64n - 1n, 5n]);
  const [empty] = run('TopK', [u, i64([1], [0])], {}, 2);
  assert.deepEqual(empty!.shape, [0]);
  assert.throws(() => run('TopK', [u, i64([1], [4])], {}, 2));
});

test('TopK infer: constant k, unknown k', () => {
  const x = { dtype: 'float32' as const, shape: ['n', 10] };
  const k = { dtype: 'int64' as const, shape: [1] };
  const [v, i] = infer('TopK', [x, i64([1], [3])], {}, 2);
  assert.deepEqual(v!.shape, ['n', 3]);
  assert.equal(i!.dtype, 'int64');
  const [dyn] = infer('TopK', [x, k], {}, 2);
  assert.equal(typeof dyn!.shape![1], 'string');
});

test('CumSum: plain, exclusive, reverse, both', () => {
  const x = f32([4], [1, 2, 3, 4]);
  const axis = i64([], [0]);
  assert.deepEqual(values(run('CumSum', [x, axis])[0]!), [1, 3, 6, 10]);
  assert.deepEqual(values(run('CumSum', [x, axis], { exclusive: 1 })[0]!), [0, 1, 3, 6]);
  assert.deepEqual(values(run('CumSum', [x, axis], { reverse: 1 })[0]!), [10, 9, 7, 4]);
  assert.deepEqual(values(run('CumSum', [x, axis], { reverse: 1, exclusive: 1 })[0]!), [9, 7, 4, 0]);
});

test('CumSum over axis 0 of a matrix, negative axis, int32 axis input', () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(values(run('CumSum', [x, t('int32', [], [0])])[0]!), [1, 2, 3, 5, 7, 9]);
  assert.deepEqual(values(run('CumSum', [x, i64([], [-1])])[0]!), [1, 3, 6, 4, 9, 15]);
});

test('CumProd and int64 CumSum', () => {
  assert.deepEqual(
    values(run('CumProd', [f32([4], [1, 2, 3, 4]), i64([], [0])], { exclusive: 1 })[0]!),
    [1, 1, 2, 6],
  );
  const [s] = run('CumSum', [i64([3], [2n ** 60n, 2n ** 60n, 1n]), i64([], [0])]);
  assert.deepEqual([...(s!.data as BigInt64Array)], [2n ** 60n, 2n ** 61n, 2n ** 61n + 1n]);
});
