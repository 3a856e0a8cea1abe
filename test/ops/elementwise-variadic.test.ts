import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { bigints, floats, infer1, run1, t, values, vec } from '../helpers/op-harness.js';

test('Sum and Mean fold any number of broadcasting inputs', () => {
  const a = t('float32', [2, 1], [1, 2]);
  const y = run1('Sum', [a, floats(10, 20), t('float32', [], [100])]);
  assert.deepEqual(y.shape, [2, 2]);
  assert.deepEqual(values(y), [111, 121, 112, 122]);
  assert.deepEqual(values(run1('Mean', [floats(1, 2), floats(3, 6)])), [2, 4]);
  assert.deepEqual(values(run1('Mean', [t('float16', [1], [1]), t('float16', [1], [2])])), [1.5]);
});

test('one input gives a copy, not the input itself', () => {
  const x = floats(1, 2);
  const y = run1('Sum', [x]);
  assert.deepEqual(values(y), [1, 2]);
  assert.notEqual(y.data, x.data);
});

test('Max and Min: NaN wins as in numpy.maximum; integers and int64', () => {
  const y = values(run1('Max', [floats(1, NaN, 3), floats(NaN, 2, 1)]));
  assert.ok(Number.isNaN(y[0]) && Number.isNaN(y[1]));
  assert.equal(y[2], 3);
  assert.deepEqual(values(run1('Min', [vec('uint32', 4294967295, 3), vec('uint32', 7, 9)])), [7, 3]);
  assert.deepEqual(bigints(run1('Max', [vec('int64', -(2n ** 62n)), vec('int64', -1n), vec('int64', -5n)])), [
    -1n,
  ]);
});

test('variadic infer: one dtype, broadcast shape', () => {
  const y = infer1('Max', [
    { dtype: 'int8', shape: ['n', 1] },
    { dtype: 'int8', shape: [4] },
  ]);
  assert.deepEqual(y, { dtype: 'int8', shape: ['n', 4] });
  assert.throws(() => infer1('Min', [floats(1), vec('int8', 1)]), OpError);
});

test('Where broadcasts three ways and moves any dtype unchanged', () => {
  const c = t('bool', [2, 1], [1, 0]);
  const y = run1('Where', [c, floats(1, 2, 3), t('float32', [], [-1])]);
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(values(y), [1, 2, 3, -1, -1, -1]);
  const big = run1('Where', [vec('bool', false, true), vec('int64', 2n ** 62n, 1n), vec('int64', 7n, 8n)]);
  assert.deepEqual(bigints(big), [7n, 1n]);
  const half = run1('Where', [vec('bool', true), t('float16', [1], [0.1]), t('float16', [1], [2])]);
  assert.equal(half.dtype, 'float16');
  assert.equal(half.data[0], t('float16', [1], [0.1]).data[0]);
  assert.throws(() => infer1('Where', [floats(1), floats(1), floats(1)]), OpError);
});
