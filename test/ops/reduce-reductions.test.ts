import assert from 'node:assert/strict';
import { test } from 'node:test';
import { close, f32, i64, infer, run, t, values } from '../helpers/op-harness.js';

const x234 = f32(
  [2, 3, 4],
  Array.from({ length: 24 }, (_, i) => i),
);

test('ReduceSum over a middle axis keeps or drops the dim', () => {
  const [keep] = run('ReduceSum', [x234, i64([1], [1])]);
  assert.deepEqual(keep!.shape, [2, 1, 4]);
  assert.deepEqual(values(keep!), [12, 15, 18, 21, 48, 51, 54, 57]);
  const [drop] = run('ReduceSum', [x234, i64([1], [-2])], { keepdims: 0 });
  assert.deepEqual(drop!.shape, [2, 4]);
  assert.deepEqual(values(drop!), [12, 15, 18, 21, 48, 51, 54, 57]);
});

test('ReduceSum over scattered axes (0 and 2) uses the index map', () => {
  const [y] = run('ReduceSum', [x234, i64([2], [0, 2])], { keepdims: 0 });
  assert.deepEqual(y!.shape, [3]);
  // row r of both samples: sum of 4r..4r+3 plus 12+4r..12+4r+3
  assert.deepEqual(values(y!), [6 + 54, 22 + 70, 38 + 86]);
});

test('empty axes reduce everything, or nothing with noop_with_empty_axes', () => {
  const [all] = run('ReduceSum', [x234, i64([0], [])]);
  assert.deepEqual(all!.shape, [1, 1, 1]);
  assert.deepEqual(values(all!), [276]);
  const [none] = run('ReduceSum', [x234, undefined], { noop_with_empty_axes: 1 });
  assert.equal(none, x234);
});

test('reductions over an empty axis give the identity', () => {
  const empty = f32([2, 0, 3], []);
  const axes = i64([1], [1]);
  assert.deepEqual(values(run('ReduceSum', [empty, axes])[0]!), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(values(run('ReduceProd', [empty, axes])[0]!), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(values(run('ReduceMax', [empty, axes])[0]!), Array(6).fill(-Infinity));
  assert.deepEqual(values(run('ReduceMin', [empty, axes])[0]!), Array(6).fill(Infinity));
  assert.deepEqual(values(run('ReduceLogSumExp', [empty, axes])[0]!), Array(6).fill(-Infinity));
  assert.deepEqual(values(run('ReduceLogSum', [empty, axes])[0]!), Array(6).fill(-Infinity));
  assert.deepEqual(values(run('ReduceL2', [empty, axes])[0]!), Array(6).fill(0));
  assert.ok(values(run('ReduceMean', [empty, axes])[0]!).every(Number.isNaN));
  // integers have no infinity: the extreme of the type
  const [imax] = run('ReduceMax', [t('int8', [0, 2], []), i64([1], [0])]);
  assert.deepEqual(values(imax!), [-128, -128]);
  const [bmax] = run('ReduceMax', [t('bool', [2, 0], []), i64([1], [1])]);
  assert.deepEqual(values(bmax!), [0, 0]);
});

test('ReduceL1, L2, SumSquare, LogSum, Mean, Prod on one row', () => {
  const x = f32([1, 4], [1, -2, 3, -4]);
  const axes = i64([1], [1]);
  assert.deepEqual(values(run('ReduceL1', [x, axes])[0]!), [10]);
  close(run('ReduceL2', [x, axes])[0]!, f32([1, 1], [Math.sqrt(30)]));
  assert.deepEqual(values(run('ReduceSumSquare', [x, axes])[0]!), [30]);
  close(run('ReduceLogSum', [f32([1, 2], [1, 2]), axes])[0]!, f32([1, 1], [Math.log(3)]));
  assert.deepEqual(values(run('ReduceMean', [x, axes])[0]!), [-0.5]);
  assert.deepEqual(values(run('ReduceProd', [x, axes])[0]!), [24]);
});

test('ReduceLogSumExp does not overflow on large inputs', () => {
  const [y] = run('ReduceLogSumExp', [f32([2], [1000, 1000]), undefined], { keepdims: 0 });
  close(y!, f32([], [1000 + Math.log(2)]));
});

test('ReduceMax propagates NaN and reads booleans', () => {
  assert.ok(Number.isNaN(values(run('ReduceMax', [f32([3], [1, NaN, 2]), undefined])[0]!)[0]!));
  const [b] = run('ReduceMax', [t('bool', [2, 2], [0, 1, 0, 0]), i64([1], [1])], { keepdims: 0 });
  assert.equal(b!.dtype, 'bool');
  assert.deepEqual(values(b!), [1, 0]);
});

test('int64 sums and products stay exact beyond 2^53', () => {
  const big = 2n ** 62n;
  const [s] = run('ReduceSum', [i64([2], [big, 3n]), undefined], { keepdims: 0 });
  assert.deepEqual([...(s!.data as BigInt64Array)], [big + 3n]);
  const [p] = run('ReduceProd', [i64([3], [2n ** 40n, 2n ** 20n, -1n]), undefined], { keepdims: 0 });
  assert.deepEqual([...(p!.data as BigInt64Array)], [-(2n ** 60n)]);
  const [m] = run('ReduceMean', [i64([2], [7n, 0n]), undefined], { keepdims: 0 });
  assert.deepEqual([...(m!.data as BigInt64Array)], [3n]);
});

test('float16 reduces in float and rounds once', () => {
  const x = t('float16', [4], [0.1, 0.2, 0.3, 0.4]);
  const [y] = run('ReduceSum', [x, undefined], { keepdims: 0 });
  assert.equal(y!.dtype, 'float16');
  close(y!, t('float16', [], [1]), 1e-3);
});

test('infer: constant axes, data-dependent axes, symbolic dims', () => {
  const type = { dtype: 'float32' as const, shape: ['batch', 128, 768] };
  const axesType = { dtype: 'int64' as const, shape: [1] };
  const [y] = infer('ReduceMean', [type, i64([1], [-1])], {});
  assert.deepEqual(y!.shape, ['batch', 128, 1]);
  const [dropped] = infer('ReduceMean', [type, i64([1], [-1])], { keepdims: 0 });
  assert.deepEqual(dropped!.shape, ['batch', 128]);
  const [dynamic] = infer('ReduceMean', [type, axesType], { keepdims: 0 });
  assert.equal(dynamic!.shape, undefined);
  assert.throws(() => infer('ReduceSum', [{ dtype: 'bool', shape: [2] }]));
});

test('a BERT-sized ReduceMean over the last axis is fast', () => {
  const n = 128 * 768;
  const x = f32(
    [1, 128, 768],
    Array.from({ length: n }, (_, i) => i % 7),
  );
  const start = performance.now();
  for (let k = 0; k < 20; k++) run('ReduceMean', [x, i64([1], [-1])]);
  assert.ok(performance.now() - start < 1000);
});
