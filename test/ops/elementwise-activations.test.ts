import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scalar } from '../../src/ir/tensor.js';
import { OpError } from '../../src/ops/op.js';
import { bigints, f32, infer, near, run, t, values, vec } from './elementwise-helpers.js';

test('Relu zeroes negatives of floats and signed integers, and keeps NaN', () => {
  const y = values(run('Relu', [f32(-1, 0, 2, NaN)]));
  assert.deepEqual(y.slice(0, 3), [0, 0, 2]);
  assert.ok(Number.isNaN(y[3]));
  assert.deepEqual(values(run('Relu', [vec('int8', -5, 5)])), [0, 5]);
  assert.deepEqual(bigints(run('Relu', [vec('int64', -5n, 5n)])), [0n, 5n]);
});

test('LeakyRelu, Elu, Selu, Celu, ThresholdedRelu use their attributes', () => {
  assert.ok(near(values(run('LeakyRelu', [f32(-2, 3)], { alpha: 0.1 })), [-0.2, 3]));
  assert.ok(near(values(run('Elu', [f32(-1, 2)], { alpha: 2 })), [2 * (Math.exp(-1) - 1), 2]));
  assert.ok(near(values(run('Selu', [f32(-1, 1)])), [-1.1113307412864784, 1.0507010221481323]));
  assert.ok(near(values(run('Celu', [f32(-1, 1)], { alpha: 2 })), [2 * (Math.exp(-0.5) - 1), 1]));
  assert.deepEqual(values(run('ThresholdedRelu', [f32(0.5, 1, 1.5)])), [0, 0, 1.5]);
});

test('Sigmoid and Softplus do not overflow for large |x|', () => {
  assert.deepEqual(values(run('Sigmoid', [vec('float64', -1000, 0, 1000)])), [0, 0.5, 1]);
  assert.deepEqual(values(run('Softplus', [vec('float64', -1000, 1000)])), [0, 1000]);
});

test('Gelu: exact (erf) and tanh approximation', () => {
  assert.ok(near(values(run('Gelu', [vec('float64', 1, 0)])), [0.8413447460685429, 0]));
  assert.ok(near(values(run('Gelu', [vec('float64', 1)], { approximate: 'tanh' })), [0.8411919906082768]));
});

test('HardSigmoid, HardSwish, Mish, Swish, Softsign', () => {
  assert.deepEqual(values(run('HardSigmoid', [f32(-10, 0, 10)])), [0, 0.5, 1]);
  assert.deepEqual(values(run('HardSwish', [f32(-4, 0, 3, 4)])), [-0, 0, 3, 4]);
  assert.ok(near(values(run('Mish', [vec('float64', 1)])), [0.8650983882673103]));
  assert.ok(near(values(run('Swish', [vec('float64', 2)], { alpha: 0.5 })), [1.4621171572600098]));
  assert.deepEqual(values(run('Softsign', [f32(-3, 1)])), [-0.75, 0.5]);
});

test('Shrink works on integers too', () => {
  assert.deepEqual(
    values(run('Shrink', [f32(-2, -0.5, 0.2, 2)], { lambd: 1, bias: 0.5 })),
    [-1.5, 0, 0, 1.5],
  );
  assert.deepEqual(values(run('Shrink', [vec('int32', -5, 1, 5)], { lambd: 1.5, bias: 2 })), [-3, 0, 3]);
});

test('Clip: optional bounds, min > max gives max, integer and int64 inputs', () => {
  const x = f32(-3, 0.5, 3, NaN);
  const both = values(run('Clip', [x, scalar('float32', -1), scalar('float32', 1)]));
  assert.deepEqual(both.slice(0, 3), [-1, 0.5, 1]);
  assert.ok(Number.isNaN(both[3]));
  assert.deepEqual(values(run('Clip', [x, undefined, scalar('float32', 0)])).slice(0, 3), [-3, 0, 0]);
  assert.deepEqual(
    values(run('Clip', [x, scalar('float32', 2), scalar('float32', 1)])).slice(0, 3),
    [1, 1, 1],
  );
  assert.deepEqual(
    values(run('Clip', [vec('uint8', 0, 100, 255), scalar('uint8', 10), scalar('uint8', 200)])),
    [10, 100, 200],
  );
  const big = run('Clip', [vec('int64', -(2n ** 40n), 5n), scalar('int64', -3n)]);
  assert.deepEqual(bigints(big), [-3n, 5n]);
});

test('Clip bounds must be scalars', () => {
  assert.throws(() => infer('Clip', [f32(1, 2), f32(0, 0)]), OpError);
  assert.deepEqual(
    infer('Clip', [{ dtype: 'float32', shape: ['n'] }, undefined, scalar('float32', 6)]).shape,
    ['n'],
  );
});

test('PRelu broadcasts the slope; legacy_axis applies a 1-D slope per channel', () => {
  const x = t('float32', [2, 2], [-1, -1, 4, -2]);
  assert.deepEqual(values(run('PRelu', [x, f32(0.5, 0.25)])), [-0.5, -0.25, 4, -0.5]);
  const x3 = t('float32', [1, 2, 2], [-1, -1, -1, -1]);
  // numpy broadcasting would pair the slope with the last dim; opset-6 PRelu pairs it with dim 1
  assert.deepEqual(
    values(run('PRelu', [x3, f32(0.5, 0.25)], { legacy_axis: 1 })),
    [-0.5, -0.5, -0.25, -0.25],
  );
  assert.deepEqual(values(run('PRelu', [vec('int32', -3, 3), vec('int32', 2)])), [-6, 3]);
});
