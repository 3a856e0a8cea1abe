import assert from 'node:assert/strict';
import { test } from 'node:test';
import { close, f32, infer, run, t, values } from '../helpers/op-harness.js';

const e = Math.exp;

test('Softmax over the last axis', () => {
  const [y] = run('Softmax', [f32([2, 2], [0, Math.log(3), 1, 1])]);
  close(y!, f32([2, 2], [0.25, 0.75, 0.5, 0.5]));
});

test('Softmax over a non-last axis', () => {
  const [y] = run('Softmax', [f32([2, 2], [0, 1, Math.log(3), 1])], { axis: 0 });
  close(y!, f32([2, 2], [0.25, 0.5, 0.75, 0.5]));
});

test('LogSoftmax and Softmax survive large inputs', () => {
  const [y] = run('LogSoftmax', [f32([2], [1000, 1000])]);
  close(y!, f32([2], [-Math.log(2), -Math.log(2)]));
  const [s] = run('Softmax', [f32([2], [-1e4, 1e4])]);
  close(s!, f32([2], [0, 1]));
});

test('Hardmax: one-hot of the first maximum', () => {
  const [y] = run('Hardmax', [f32([2, 3], [1, 3, 3, 2, 0, 1])]);
  assert.deepEqual(values(y!), [0, 1, 0, 1, 0, 0]);
  const [z] = run('Hardmax', [f32([2, 2], [1, 5, 2, 4])], { axis: 0 });
  assert.deepEqual(values(z!), [0, 1, 1, 0]);
});

test('coerce2d (opsets < 13) normalizes everything from axis on', () => {
  const x = f32([1, 2, 2], [0, 0, 0, 0]);
  const [y] = run('Softmax', [x], { axis: 1, coerce2d: 1 });
  close(y!, f32([1, 2, 2], [0.25, 0.25, 0.25, 0.25]));
  const [z] = run('Softmax', [x], { axis: 1 });
  close(z!, f32([1, 2, 2], [0.5, 0.5, 0.5, 0.5]));
  const [l] = run('LogSoftmax', [f32([2, 2], [0, 0, 1, 1])], { axis: 0, coerce2d: 1 });
  const total = Math.log(2 + 2 * e(1));
  close(l!, f32([2, 2], [-total, -total, 1 - total, 1 - total]));
});

test('Softmax keeps float16 and rejects ints', () => {
  const [y] = run('Softmax', [t('float16', [2], [0, 0])]);
  assert.equal(y!.dtype, 'float16');
  close(y!, t('float16', [2], [0.5, 0.5]));
  assert.throws(() => infer('Softmax', [{ dtype: 'int32', shape: [2] }]));
  assert.throws(() => infer('Softmax', [{ dtype: 'float32', shape: [2] }], { axis: 1 }));
});

test('a [1,4,128,128] Softmax is fast', () => {
  const n = 4 * 128 * 128;
  const x = f32(
    [1, 4, 128, 128],
    Array.from({ length: n }, (_, i) => (i % 13) / 13),
  );
  const start = performance.now();
  for (let k = 0; k < 10; k++) run('Softmax', [x]);
  assert.ok(performance.now() - start < 1000);
});
