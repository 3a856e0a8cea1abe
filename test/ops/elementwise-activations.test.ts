import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scalar } from '../../src/ir/tensor.js';
import { OpError } from '../../src/ops/op.js';
import { assertNear, bigints, floats, infer1, run1, t, values, vec } from '../helpers/op-harness.js';

test('Relu zeroes negatives of floats and signed integers, and keeps NaN', () => {
  const y = values(run1('Relu', [floats(-1, 0, 2, NaN)]));
  assert.deepEqual(y.slice(0, 3), [0, 0, 2]);
  assert.ok(Number.isNaN(y[3]));
  assert.deepEqual(values(run1('Relu', [vec('int8', -5, 5)])), [0, 5]);
  assert.deepEqual(bigints(run1('Relu', [vec('int64', -5n, 5n)])), [0n, 5n]);
});

test('LeakyRelu, Elu, Selu, Celu, ThresholdedRelu use their attributes', () => {
  assertNear(values(run1('LeakyRelu', [floats(-2, 3)], { alpha: 0.1 })), [-0.2, 3], 1e-6);
  assertNear(values(run1('Elu', [floats(-1, 2)], { alpha: 2 })), [2 * (Math.exp(-1) - 1), 2], 0, 1e-6);
  assertNear(values(run1('Selu', [floats(-1, 1)])), [-1.1113307412864784, 1.0507010221481323], 0, 1e-6);
  assertNear(values(run1('Celu', [floats(-1, 1)], { alpha: 2 })), [2 * (Math.exp(-0.5) - 1), 1], 1e-6);
  assert.deepEqual(values(run1('ThresholdedRelu', [floats(0.5, 1, 1.5)])), [0, 0, 1.5]);
});

test('Sigmoid and Softplus do not overflow for large |x|', () => {
  assert.deepEqual(values(run1('Sigmoid', [vec('float64', -1000, 0, 1000)])), [0, 0.5, 1]);
  assert.deepEqual(values(run1('Softplus', [vec('float64', -1000, 1000)])), [0, 1000]);
});

test('Gelu: exact (erf) and tanh approximation', () => {
  assertNear(values(run1('Gelu', [vec('float64', 1, 0)])), [0.8413447460685429, 0], 1e-6);
  assertNear(values(run1('Gelu', [vec('float64', 1)], { approximate: 'tanh' })), [0.8411919906082768], 1e-6);
});

test('HardSigmoid, HardSwish, Mish, Swish, Softsign', () => {
  assert.deepEqual(values(run1('HardSigmoid', [floats(-10, 0, 10)])), [0, 0.5, 1]);
  assert.deepEqual(values(run1('HardSwish', [floats(-4, 0, 3, 4)])), [-0, 0, 3, 4]);
  assertNear(values(run1('Mish', [vec('float64', 1)])), [0.8650983882673103], 1e-6);
  assertNear(values(run1('Swish', [vec('float64', 2)], { alpha: 0.5 })), [1.4621171572600098], 0, 1e-6);
  assert.deepEqual(values(run1('Softsign', [floats(-3, 1)])), [-0.75, 0.5]);
});

test('Shrink works on integers too', () => {
  assert.deepEqual(
    values(run1('Shrink', [floats(-2, -0.5, 0.2, 2)], { lambd: 1, bias: 0.5 })),
    [-1.5, 0, 0, 1.5],
  );
  assert.deepEqual(values(run1('Shrink', [vec('int32', -5, 1, 5)], { lambd: 1.5, bias: 2 })), [-3, 0, 3]);
});

test('Clip: optional bounds, min > max gives max, integer and int64 inputs', () => {
  const x = floats(-3, 0.5, 3, NaN);
  const both = values(run1('Clip', [x, scalar('float32', -1), scalar('float32', 1)]));
  assert.deepEqual(both.slice(0, 3), [-1, 0.5, 1]);
  assert.ok(Number.isNaN(both[3]));
  assert.deepEqual(values(run1('Clip', [x, undefined, scalar('float32', 0)])).slice(0, 3), [-3, 0, 0]);
  assert.deepEqual(
    values(run1('Clip', [x, scalar('float32', 2), scalar('float32', 1)])).slice(0, 3),
    [1, 1, 1],
  );
  assert.deepEqual(
    values(run1('Clip', [vec('uint8', 0, 100, 255), scalar('uint8', 10), scalar('uint8', 200)])),
    [10, 100, 200],
  );
  const big = run1('Clip', [vec('int64', -(2n ** 40n), 5n), scalar('int64', -3n)]);
  assert.deepEqual(bigints(big), [-3n, 5n]);
});

test('Clip bounds must be scalars', () => {
  assert.throws(() => infer1('Clip', [floats(1, 2), floats(0, 0)]), OpError);
  assert.deepEqual(
    infer1('Clip', [{ dtype: 'float32', shape: ['n'] }, undefined, scalar('float32', 6)]).shape,
    ['n'],
  );
});

test('PRelu broadcasts the slope; legacy_axis applies a 1-D slope per channel', () => {
  const x = t('float32', [2, 2], [-1, -1, 4, -2]);
  assert.deepEqual(values(run1('PRelu', [x, floats(0.5, 0.25)])), [-0.5, -0.25, 4, -0.5]);
  const x3 = t('float32', [1, 2, 2], [-1, -1, -1, -1]);
  // numpy broadcasting would pair the slope with the last dim; opset-6 PRelu pairs it with dim 1
  assert.deepEqual(
    values(run1('PRelu', [x3, floats(0.5, 0.25)], { legacy_axis: 1 })),
    [-0.5, -0.5, -0.25, -0.25],
  );
  assert.deepEqual(values(run1('PRelu', [vec('int32', -3, 3), vec('int32', 2)])), [-6, 3]);
});
