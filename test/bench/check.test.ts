import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareOutputs } from '../../src/bench/check.js';

const tol = { atol: 1e-3, rtol: 1e-2 };

test('outputs within atol + rtol * |expected| pass, and the worst ratio is reported', () => {
  const c = compareOutputs(
    { y: new Float32Array([1.01, 0]) },
    { y: new Float32Array([1, 0]) },
    tol,
    'reference',
  );
  assert.equal(c.status, 'pass');
  assert.ok(Math.abs(c.maxAbsError - 0.01) < 1e-6);
  assert.ok(Math.abs(c.worstRatio - 0.01 / 0.011) < 1e-4);
});

test('an element out of tolerance, a NaN, a missing output or a wrong size fails', () => {
  const want = { y: new Float32Array([1, 2]) };
  assert.equal(compareOutputs({ y: new Float32Array([1, 2.1]) }, want, tol, 'reference').status, 'fail');
  const nan = compareOutputs({ y: new Float32Array([1, NaN]) }, want, tol, 'reference');
  assert.equal(nan.status, 'fail');
  assert.equal(nan.maxAbsError, Infinity);
  const missing = compareOutputs({ z: new Float32Array([1, 2]) }, want, tol, 'reference');
  assert.equal(missing.status, 'fail');
  assert.match(missing.detail ?? '', /no output 'y'/);
  assert.equal(compareOutputs({ y: new Float32Array([1]) }, want, tol, 'reference').status, 'fail');
});

test('64-bit integer outputs compare as numbers', () => {
  const c = compareOutputs(
    { i: new BigInt64Array([3n]) },
    { i: new BigInt64Array([3n]) },
    tol,
    'onnxruntime-node',
  );
  assert.equal(c.status, 'pass');
  assert.equal(c.against, 'onnxruntime-node');
});

test('with a zero tolerance an exact match passes and any difference fails', () => {
  const exact = { atol: 0, rtol: 0 };
  const want = { y: new Float32Array([0, 1]) };
  assert.equal(compareOutputs({ y: new Float32Array([0, 1]) }, want, exact, 'reference').status, 'pass');
  assert.equal(compareOutputs({ y: new Float32Array([0, 1.0001]) }, want, exact, 'reference').status, 'fail');
});
