import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { assertNear, bigints, floats, infer1, run1, t, values, vec } from '../helpers/op-harness.js';

test('integer Add, Sub and Mul wrap like their dtype', () => {
  assert.deepEqual(values(run1('Add', [vec('int32', 2147483647), vec('int32', 1)])), [-2147483648]);
  assert.deepEqual(values(run1('Add', [vec('uint8', 200), vec('uint8', 100)])), [44]);
  assert.deepEqual(values(run1('Sub', [vec('uint16', 3), vec('uint16', 5)])), [65534]);
  // 65537^2 = 2^32 + 2^17 + 1 needs more than a double's 53 bits before it wraps
  assert.deepEqual(values(run1('Mul', [vec('int32', 65537, 1 << 30), vec('int32', 65537, 4)])), [131073, 0]);
  assert.deepEqual(bigints(run1('Add', [vec('int64', 2n ** 63n - 1n), vec('int64', 1n)])), [-(2n ** 63n)]);
  assert.deepEqual(bigints(run1('Mul', [vec('uint64', 2n ** 63n), vec('uint64', 2n)])), [0n]);
});

test('integer Div truncates toward zero; division by zero gives 0', () => {
  assert.deepEqual(values(run1('Div', [vec('int32', -7, 7, 5), vec('int32', 2, -2, 0)])), [-3, -3, 0]);
  assert.deepEqual(bigints(run1('Div', [vec('int64', -7n, 5n), vec('int64', 2n, 0n)])), [-3n, 0n]);
  assert.deepEqual(values(run1('Div', [floats(1, -1), floats(0, 4)])), [Infinity, -0.25]);
});

test('Mod: fmod=0 takes the sign of the divisor, fmod=1 that of the dividend', () => {
  const a = vec('int32', -7, 7, -7, 7);
  const b = vec('int32', 3, -3, -3, 0);
  assert.deepEqual(values(run1('Mod', [a, b])), [2, -2, -1, 0]);
  assert.deepEqual(values(run1('Mod', [a, b], { fmod: 1 })), [-1, 1, -1, 0]);
  assert.deepEqual(bigints(run1('Mod', [vec('int64', -7n, 7n), vec('int64', 3n, 0n)])), [2n, 0n]);
  assertNear(values(run1('Mod', [vec('float64', -4.3), vec('float64', 2.1)], { fmod: 1 })), [-0.1], 1e-12);
});

test('Pow mixes base and exponent dtypes; the output has the base dtype', () => {
  assert.deepEqual(values(run1('Pow', [vec('int32', 2, 3, 2), vec('int32', 10, 2, -1)])), [1024, 9, 0]);
  assert.deepEqual(values(run1('Pow', [floats(2, 4), vec('int64', 3n, -1n)])), [8, 0.25]);
  // 1.414... truncates toward zero like Cast
  assert.deepEqual(values(run1('Pow', [vec('int32', 2, 9), floats(0.5, 0.5)])), [1, 3]);
  // 3^40 exceeds int64: exact wraparound, as numpy's int64 power
  assert.deepEqual(bigints(run1('Pow', [vec('int64', 3n), vec('int64', 40n)])), [-6289078614652622815n]);
  assert.equal(infer1('Pow', [floats(2), vec('uint8', 2)]).dtype, 'float32');
  assert.throws(() => infer1('Pow', [vec('uint8', 2), vec('uint8', 2)]), OpError);
});

test('BitShift: counts at or past the bit width give 0', () => {
  const x = vec('uint8', 1, 1, 255);
  assert.deepEqual(
    values(run1('BitShift', [x, vec('uint8', 7, 8, 1)], { direction: 'LEFT' })),
    [128, 0, 254],
  );
  assert.deepEqual(
    values(run1('BitShift', [vec('uint32', 1, 4294967295), vec('uint32', 31, 32)], { direction: 'LEFT' })),
    [2147483648, 0],
  );
  assert.deepEqual(
    values(run1('BitShift', [vec('uint32', 4294967295), vec('uint32', 28)], { direction: 'RIGHT' })),
    [15],
  );
  const big = run1('BitShift', [vec('uint64', 1n, 1n), vec('uint64', 63n, 64n)], { direction: 'LEFT' });
  assert.deepEqual(bigints(big), [2n ** 63n, 0n]);
  assert.throws(() => run1('BitShift', [x, x]), OpError);
});

test('comparisons give bool; NaN equals nothing', () => {
  assert.deepEqual(values(run1('Equal', [floats(1, NaN), floats(1, NaN)])), [1, 0]);
  assert.deepEqual(values(run1('Equal', [vec('bool', true, false), vec('bool', true, true)])), [1, 0]);
  assert.deepEqual(values(run1('Less', [vec('uint64', 2n ** 64n - 1n), vec('uint64', 1n)])), [0]);
  const y = run1('GreaterOrEqual', [t('int32', [2, 1], [1, 2]), vec('int32', 0, 1, 2)]);
  assert.deepEqual(y.shape, [2, 3]);
  assert.equal(y.dtype, 'bool');
  assert.deepEqual(values(y), [1, 1, 0, 1, 1, 1]);
});

test('logical and bitwise ops', () => {
  const a = vec('bool', true, true, false, false);
  const b = vec('bool', true, false, true, false);
  assert.deepEqual(values(run1('And', [a, b])), [1, 0, 0, 0]);
  assert.deepEqual(values(run1('Or', [a, b])), [1, 1, 1, 0]);
  assert.deepEqual(values(run1('Xor', [a, b])), [0, 1, 1, 0]);
  assert.deepEqual(values(run1('BitwiseAnd', [vec('int16', -1, 12), vec('int16', 5, 10)])), [5, 8]);
  assert.deepEqual(values(run1('BitwiseOr', [vec('uint32', 0x80000000), vec('uint32', 1)])), [0x80000001]);
  assert.deepEqual(bigints(run1('BitwiseXor', [vec('int64', -1n), vec('int64', 1n)])), [-2n]);
});

test('general broadcasting walks rows of the innermost dim', () => {
  const a = t('float32', [2, 1, 3], [0, 1, 2, 10, 11, 12]);
  const b = t('float32', [2, 1], [100, 200]);
  const y = run1('Add', [a, b]);
  assert.deepEqual(y.shape, [2, 2, 3]);
  assert.deepEqual(values(y), [100, 101, 102, 200, 201, 202, 110, 111, 112, 210, 211, 212]);
  assert.deepEqual(values(run1('Sub', [t('float32', [], [10]), floats(1, 2)])), [9, 8]);
  assert.deepEqual(run1('Mul', [t('float32', [0, 3], []), floats(1, 2, 3)]).shape, [0, 3]);
});

test('binary infer: symbolic broadcasting, unknown rank, dtype checks', () => {
  assert.deepEqual(infer1('Add', [{ dtype: 'float32', shape: ['batch', 1] }, floats(1, 2, 3)]).shape, [
    'batch',
    3,
  ]);
  assert.equal(infer1('Add', [{ dtype: 'float32', shape: undefined }, floats(1)]).shape, undefined);
  assert.throws(() => infer1('Add', [floats(1, 2), floats(1, 2, 3)]), OpError);
  assert.throws(() => infer1('Add', [floats(1), vec('float64', 1)]), OpError);
  assert.throws(() => infer1('And', [vec('int8', 1), vec('int8', 1)]), OpError);
});

test('legacy_axis (opset < 7 broadcast=1 axis=k) aligns B with A from dim k', () => {
  const a = t('float32', [1, 2, 2], [1, 1, 1, 1]);
  const y = run1('Add', [a, floats(10, 20)], { legacy_axis: 1 });
  assert.deepEqual(values(y), [11, 11, 21, 21]);
  assert.deepEqual(
    infer1('Add', [{ dtype: 'float32', shape: ['n', 2, 5] }, floats(10, 20)], { legacy_axis: 1 }).shape,
    ['n', 2, 5],
  );
});
