import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { close, f32, infer, run, t, type } from '../helpers/op-harness.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// One channel, kernel [1, 10]: y[i] = padded[i] + 10 * padded[i + 1].
const w = f32([1, 1, 2], [1, 10]);
const x = f32([1, 1, 3], [1, 2, 3]);

test('CausalConvWithState: zero left padding without a past state; the state is the tail', () => {
  const [y, state] = run('CausalConvWithState', [x, w], {}, 2);
  close(y!, f32([1, 1, 3], [10, 21, 32]));
  close(state!, f32([1, 1, 1], [3]));
});

test('CausalConvWithState: the past state pads the left; bias and SiLU (swish alias)', () => {
  const past = f32([1, 1, 1], [5]);
  const [y] = run('CausalConvWithState', [x, w, undefined, past]);
  close(y!, f32([1, 1, 3], [15, 21, 32]));
  const bias = f32([1], [-20]);
  const expected = [-5, 1, 12].map((v) => v * sigmoid(v));
  for (const activation of ['silu', 'swish']) {
    const [act] = run('CausalConvWithState', [x, w, bias, past], { activation });
    close(act!, f32([1, 1, 3], expected));
  }
});

test('CausalConvWithState: input shorter than the state keeps part of the past', () => {
  const k3 = f32([1, 1, 3], [1, 1, 1]);
  const [y, state] = run(
    'CausalConvWithState',
    [f32([1, 1, 1], [1]), k3, undefined, f32([1, 1, 2], [7, 8])],
    {},
    2,
  );
  close(y!, f32([1, 1, 1], [16]));
  close(state!, f32([1, 1, 2], [8, 1]));
});

test('CausalConvWithState: depthwise over channels and batches; kernel size one carries no state', () => {
  const xs = f32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const ws = f32([2, 1, 2], [0, 1, 1, 0]); // channel 0 is the identity, channel 1 a one-step delay
  const [y, state] = run('CausalConvWithState', [xs, ws], {}, 2);
  close(y!, f32([2, 2, 2], [1, 2, 0, 3, 5, 6, 0, 7]));
  close(state!, f32([2, 2, 1], [2, 4, 6, 8]));
  const [y1, s1] = run('CausalConvWithState', [xs, f32([2, 1, 1], [2, 3])], {}, 2);
  close(y1!, f32([2, 2, 2], [2, 4, 9, 12, 10, 12, 21, 24]));
  assert.deepEqual(s1!.shape, [2, 2, 0]);
});

test('CausalConvWithState float16', () => {
  const [y] = run(
    'CausalConvWithState',
    [t('float16', [1, 1, 3], [1, 2, 3]), t('float16', [1, 1, 2], [1, 10])],
    {
      activation: 'silu',
    },
  );
  assert.equal(y!.dtype, 'float16');
  close(
    y!,
    t(
      'float16',
      [1, 1, 3],
      [10, 21, 32].map((v) => v * sigmoid(v)),
    ),
    1e-2,
    1e-3,
  );
});

test('CausalConvWithState infer: output like input, state [B, C, k - 1], symbols kept', () => {
  const [y, s] = infer(
    'CausalConvWithState',
    [type('float32', ['B', 4, 'L']), type('float32', [4, 1, 4])],
    {},
    2,
  );
  assert.deepEqual(y!.shape, ['B', 4, 'L']);
  assert.deepEqual(s!.shape, ['B', 4, 3]);
  const [, fromPast] = infer(
    'CausalConvWithState',
    [
      type('float32', ['B', 'C', 'L']),
      type('float32', ['C', 1, 'K']),
      undefined,
      type('float32', ['B', 'C', 5]),
    ],
    {},
    2,
  );
  assert.deepEqual(fromPast!.shape, ['B', 'C', 5]);
  const bad = [
    [type('float32', [2, 4, 8]), type('float32', [3, 1, 4])], // channel mismatch
    [type('float32', [2, 4, 8]), type('float32', [4, 2, 4])], // not depthwise
    [type('float32', [2, 4, 8]), type('float32', [4, 1, 4]), undefined, type('float32', [2, 4, 2])], // state length
    [type('int32', [2, 4, 8]), type('int32', [4, 1, 4])],
  ];
  for (const inputs of bad) assert.throws(() => infer('CausalConvWithState', inputs, {}, 2), OpError);
});
