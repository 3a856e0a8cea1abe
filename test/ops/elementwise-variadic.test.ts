import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { bigints, f32, infer, run, t, values, vec } from './elementwise-helpers.js';

test('Sum and Mean fold any number of broadcasting inputs', () => {
  const a = t('float32', [2, 1], [1, 2]);
  const y = run('Sum', [a, f32(10, 20), t('float32', [], [100])]);
  assert.deepEqual(y.shape, [2, 2]);
  assert.deepEqual(values(y), [111, 121, 112, 122]);
  assert.deepEqual(values(run('Mean', [f32(1, 2), f32(3, 6)])), [2, 4]);
  assert.deepEqual(values(run('Mean', [t('float16', [1], [1]), t('float16', [1], [2])])), [1.5]);
});

test('one input gives a copy, not the input itself', () => {
  const x = f32(1, 2);
  const y = run('Sum', [x]);
  assert.deepEqual(values(y), [1, 2]);
  assert.notEqual(y.data, x.data);
});

test('Max and Min: NaN wins as in numpy.maximum; integers and int64', () => {
  const y = values(run('Max', [f32(1, NaN, 3), f32(NaN, 2, 1)]));
  assert.ok(Number.isNaN(y[0]) && Number.isNaN(y[1]));
  assert.equal(y[2], 3);
  assert.deepEqual(values(run('Min', [vec('uint32', 4294967295, 3), vec('uint32', 7, 9)])), [7, 3]);
  assert.deepEqual(bigints(run('Max', [vec('int64', -(2n ** 62n)), vec('int64', -1n), vec('int64', -5n)])), [
    -1n,
  ]);
});

test('variadic infer: one dtype, broadcast shape', () => {
  const y = infer('Max', [
    { dtype: 'int8', shape: ['n', 1] },
    { dtype: 'int8', shape: [4] },
  ]);
  assert.deepEqual(y, { dtype: 'int8', shape: ['n', 4] });
  assert.throws(() => infer('Min', [f32(1), vec('int8', 1)]), OpError);
});

test('Where broadcasts three ways and moves any dtype unchanged', () => {
  const c = t('bool', [2, 1], [1, 0]);
  const y = run('Where', [c, f32(1, 2, 3), t('float32', [], [-1])]);
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(values(y), [1, 2, 3, -1, -1, -1]);
  const big = run('Where', [vec('bool', false, true), vec('int64', 2n ** 62n, 1n), vec('int64', 7n, 8n)]);
  assert.deepEqual(bigints(big), [7n, 1n]);
  const half = run('Where', [vec('bool', true), t('float16', [1], [0.1]), t('float16', [1], [2])]);
  assert.equal(half.dtype, 'float16');
  assert.equal(half.data[0], t('float16', [1], [0.1]).data[0]);
  assert.throws(() => infer('Where', [f32(1), f32(1), f32(1)]), OpError);
});
