import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { assertNear, bigints, floats, infer1, run1, t, values, vec } from '../helpers/op-harness.js';

test('Round breaks ties to even, keeping the sign of zero', () => {
  const y = run1('Round', [floats(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6)]);
  assert.deepEqual(values(y), [-2, -2, -0, 0, 2, 2, 2, -3]);
});

test('Abs and Neg wrap at the integer minimum like their dtype', () => {
  assert.deepEqual(values(run1('Abs', [vec('int8', -128, -3, 4)])), [-128, 3, 4]);
  assert.deepEqual(values(run1('Neg', [vec('int32', -2147483648, 5)])), [-2147483648, -5]);
  assert.deepEqual(bigints(run1('Abs', [vec('int64', -(2n ** 62n), 7n)])), [2n ** 62n, 7n]);
});

test('Sign keeps NaN and zeros, and works on integers', () => {
  const y = values(run1('Sign', [floats(-3, 0, 2, NaN)]));
  assert.deepEqual(y.slice(0, 3), [-1, 0, 1]);
  assert.ok(Number.isNaN(y[3]));
  assert.deepEqual(bigints(run1('Sign', [vec('int64', -9n, 0n, 9n)])), [-1n, 0n, 1n]);
  assert.deepEqual(values(run1('Sign', [vec('uint8', 0, 200)])), [0, 1]);
});

test('Erf is accurate across its approximation intervals', () => {
  const y = values(run1('Erf', [vec('float64', 0.5, -1, 3, 1e-3, 7, -Infinity)]));
  assertNear(
    y,
    [0.5204998778130465, -0.8427007929497149, 0.9999779095030014, 0.0011283787909692365, 1, -1],
    1e-15,
  );
});

test('float16 results are rounded once from the float32 computation', () => {
  const y = run1('Exp', [t('float16', [1], [1])]);
  assert.equal(y.dtype, 'float16');
  assert.equal(y.data[0], 0x4170); // 2.719, the float16 nearest e
});

test('IsNaN and IsInf give bool; IsInf honours detect_negative/detect_positive', () => {
  const x = floats(Infinity, -Infinity, NaN, 1);
  assert.deepEqual(values(run1('IsNaN', [x])), [0, 0, 1, 0]);
  assert.deepEqual(values(run1('IsInf', [x])), [1, 1, 0, 0]);
  assert.deepEqual(values(run1('IsInf', [x], { detect_negative: 0 })), [1, 0, 0, 0]);
  assert.deepEqual(values(run1('IsInf', [x], { detect_positive: 0 })), [0, 1, 0, 0]);
  assert.equal(infer1('IsNaN', [t('float16', [2], [0, 0])]).dtype, 'bool');
});

test('Not and BitwiseNot', () => {
  assert.deepEqual(values(run1('Not', [vec('bool', true, false)])), [0, 1]);
  assert.deepEqual(values(run1('BitwiseNot', [vec('uint8', 0, 255, 5)])), [255, 0, 250]);
  assert.deepEqual(values(run1('BitwiseNot', [vec('int16', 0, -1)])), [-1, 0]);
  assert.deepEqual(bigints(run1('BitwiseNot', [vec('uint64', 0n)])), [2n ** 64n - 1n]);
});

test('float-only ops reject integer inputs as invalid, not as unsupported', () => {
  assert.throws(() => infer1('Exp', [vec('int32', 1)]), OpError);
  assert.throws(() => run1('Sqrt', [vec('int64', 4n)]), OpError);
  assert.throws(() => infer1('Not', [floats(1)]), OpError);
});

test('unary ops keep symbolic and empty shapes', () => {
  assert.deepEqual(infer1('Cos', [{ dtype: 'float32', shape: ['batch', 3] }]).shape, ['batch', 3]);
  assert.equal(infer1('Cos', [{ dtype: 'float32', shape: undefined }]).shape, undefined);
  const y = run1('Sqrt', [t('float32', [0, 3], [])]);
  assert.deepEqual(y.shape, [0, 3]);
  assert.equal(y.data.length, 0);
});
