import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError, OpUnsupported } from '../../src/ops/op.js';
import { bigints, floats, infer1, run1, t, values, vec } from '../helpers/op-harness.js';

/** Cast's `to` is an ONNX TensorProto.DataType code. */
const TO = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint64: 13,
  bfloat16: 16,
};

test('float to integer truncates toward zero; NaN and overflow give INT_MIN, narrow types wrap', () => {
  assert.deepEqual(
    values(run1('Cast', [floats(-1.7, 1.7, NaN, 3e9)], { to: TO.int32 })),
    [-1, 1, -2147483648, -2147483648],
  );
  assert.deepEqual(values(run1('Cast', [floats(300.7, -1, NaN)], { to: TO.int8 })), [44, -1, 0]);
  assert.deepEqual(values(run1('Cast', [floats(-1, 255.9)], { to: TO.uint8 })), [255, 255]);
  assert.deepEqual(bigints(run1('Cast', [floats(-2.5, Infinity)], { to: TO.int64 })), [-2n, -(2n ** 63n)]);
  assert.deepEqual(bigints(run1('Cast', [vec('float64', 2 ** 63, -1)], { to: TO.uint64 })), [
    2n ** 63n,
    2n ** 64n - 1n,
  ]);
});

test('anything to bool is != 0, NaN included', () => {
  assert.deepEqual(values(run1('Cast', [floats(0, -0, 0.1, NaN)], { to: TO.bool })), [0, 0, 1, 1]);
  assert.deepEqual(values(run1('Cast', [vec('int64', 0n, -(2n ** 40n))], { to: TO.bool })), [0, 1]);
  assert.deepEqual(values(run1('Cast', [vec('bool', true, false)], { to: TO.float32 })), [1, 0]);
});

test('int64 to float32 rounds once, not through a double', () => {
  // 2^60 + 2^36 + 1 lies just above a float32 tie; via a double the +1 is lost and the tie goes to even
  const y = run1('Cast', [vec('int64', 2n ** 60n + 2n ** 36n + 1n)], { to: TO.float32 });
  assert.deepEqual(values(y), [2 ** 60 + 2 ** 37]);
  assert.deepEqual(values(run1('Cast', [vec('uint64', 2n ** 64n - 1n)], { to: TO.float64 })), [2 ** 64]);
});

test('float64 to float16 rounds once, not through float32', () => {
  const y = run1('Cast', [vec('float64', 1 + 2 ** -11 + 2 ** -40)], { to: TO.float16 });
  assert.deepEqual(values(y), [1 + 2 ** -10]);
  // float32 to bfloat16: an exact tie goes to even
  assert.deepEqual(values(run1('Cast', [floats(1 + 2 ** -8, 1 + 3 * 2 ** -8)], { to: TO.bfloat16 })), [
    1,
    1 + 2 ** -6,
  ]);
});

test('integers convert modulo 2^bits', () => {
  assert.deepEqual(bigints(run1('Cast', [vec('int32', -1)], { to: TO.uint64 })), [2n ** 64n - 1n]);
  assert.deepEqual(values(run1('Cast', [vec('int64', -1n, 2n ** 40n + 7n)], { to: TO.uint8 })), [255, 7]);
  assert.deepEqual(values(run1('Cast', [vec('uint64', 2n ** 64n - 1n)], { to: TO.int32 })), [-1]);
});

test('Cast to the same dtype copies; unsupported targets are OpUnsupported', () => {
  const x = floats(1, 2);
  const y = run1('Cast', [x], { to: TO.float32 });
  assert.notEqual(y.data, x.data);
  assert.deepEqual(values(y), [1, 2]);
  assert.throws(() => infer1('Cast', [x], { to: 8 }), OpUnsupported); // string
  assert.throws(() => infer1('Cast', [x], { to: 17 }), OpUnsupported); // float8e4m3fn
  assert.deepEqual(infer1('Cast', [{ dtype: 'float32', shape: ['n'] }], { to: TO.float16 }), {
    dtype: 'float16',
    shape: ['n'],
  });
});

test('CastLike takes the dtype of its second input', () => {
  const y = run1('CastLike', [floats(1.9, -1.9), vec('int8', 0)]);
  assert.equal(y.dtype, 'int8');
  assert.deepEqual(values(y), [1, -1]);
  assert.equal(infer1('CastLike', [floats(1), { dtype: 'float16', shape: [7] }]).dtype, 'float16');
});

test('BitCast reinterprets bytes of equal-width types', () => {
  assert.deepEqual(values(run1('BitCast', [floats(1, -0)], { to: TO.int32 })), [1065353216, -2147483648]);
  assert.deepEqual(values(run1('BitCast', [vec('int64', 4607182418800017408n)], { to: TO.float64 })), [1]);
  assert.deepEqual(values(run1('BitCast', [vec('int8', -1)], { to: TO.uint8 })), [255]);
  assert.throws(() => infer1('BitCast', [floats(1)], { to: TO.float16 }), OpError);
  assert.deepEqual(run1('BitCast', [t('float32', [2, 0], [])], { to: TO.int32 }).shape, [2, 0]);
});
