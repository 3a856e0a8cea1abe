import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { close, f32, infer, run, t, type } from '../helpers/op-harness.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// Scalar cells (input 1, hidden 1) with W = R = 1 and an identity activation: Ht = Xt + Ht-1.
const ones = (dirs: number) => f32([dirs, 1, 1], new Array<number>(dirs).fill(1));
const linear = (dirs: number) => ({ hidden_size: 1, activations: new Array<string>(dirs).fill('Affine') });

test('RNN forward and reverse: running sums in each direction', () => {
  const x = f32([3, 1, 1], [1, 2, 3]);
  const [y, yh] = run('RNN', [x, ones(1), ones(1)], linear(1), 2);
  close(y!, f32([3, 1, 1, 1], [1, 3, 6]));
  close(yh!, f32([1, 1, 1], [6]));
  const [rev] = run('RNN', [x, ones(1), ones(1)], { ...linear(1), direction: 'reverse' });
  close(rev!, f32([3, 1, 1, 1], [6, 5, 3]));
});

test('RNN bidirectional with sequence_lens: padding is zero, reverse starts at the last valid step', () => {
  const x = f32([3, 2, 1], [1, 10, 2, 20, 3, 30]);
  const lens = t('int32', [2], [3, 2]);
  const attrs = { ...linear(2), direction: 'bidirectional' };
  const [y, yh] = run('RNN', [x, ones(2), ones(2), undefined, lens], attrs, 2);
  close(y!, f32([3, 2, 2, 1], [1, 10, 6, 30, 3, 30, 5, 20, 6, 0, 3, 0]));
  close(yh!, f32([2, 2, 1], [6, 30, 6, 30]));
  // layout 1 puts batch first in X, Y and Y_h
  const xb = f32([2, 3, 1], [1, 2, 3, 10, 20, 30]);
  const [yb, yhb] = run('RNN', [xb, ones(2), ones(2), undefined, lens], { ...attrs, layout: 1 }, 2);
  close(yb!, f32([2, 3, 2, 1], [1, 6, 3, 5, 6, 3, 10, 30, 30, 20, 0, 0]));
  close(yhb!, f32([2, 2, 1], [6, 6, 30, 30]));
});

test('RNN: Tanh by default, bias, initial_h, clip, and alpha/beta consumed by the functions that use them', () => {
  const x = f32([1, 1, 1], [1]);
  const [, tanh] = run(
    'RNN',
    [x, f32([1, 1, 1], [0.5]), ones(1), f32([1, 2], [0.25, 0.25])],
    { hidden_size: 1 },
    2,
  );
  close(tanh!, f32([1, 1, 1], [Math.tanh(1)]));
  const h0 = f32([1, 1, 1], [2]);
  const [, carried] = run('RNN', [x, ones(1), ones(1), undefined, undefined, h0], linear(1), 2);
  close(carried!, f32([1, 1, 1], [3]));
  const [, clipped] = run('RNN', [f32([1, 1, 1], [10]), ones(1), ones(1)], { hidden_size: 1, clip: 0.5 }, 2);
  close(clipped!, f32([1, 1, 1], [Math.tanh(0.5)]));
  const [, mixed] = run(
    'RNN',
    [f32([1, 1, 1], [-1]), ones(2), ones(2)],
    {
      hidden_size: 1,
      direction: 'bidirectional',
      activations: ['Affine', 'LeakyRelu'],
      activation_alpha: [2, 0.5],
      activation_beta: [1],
    },
    2,
  );
  close(mixed!, f32([2, 1, 1], [-1, -0.5])); // 2 * -1 + 1, then 0.5 * -1
});

test('GRU: the reset gate applies before or after the recurrent product (linear_before_reset)', () => {
  const x = f32([1, 1, 1], [1]);
  const w = f32([1, 3, 1], [0, 0, 1]);
  const h0 = f32([1, 1, 1], [1]);
  const step = (hh: number) => 0.5 * Math.tanh(hh) + 0.5; // z = r = 1/2
  const [, plain] = run('GRU', [x, w, w, undefined, undefined, h0], { hidden_size: 1 }, 2);
  close(plain!, f32([1, 1, 1], [step(1.5)]));
  const b = f32([1, 6], [0, 0, 0, 0, 0, 1]); // Rbh = 1
  const [, after] = run('GRU', [x, w, w, b, undefined, h0], { hidden_size: 1 }, 2);
  close(after!, f32([1, 1, 1], [step(2.5)]));
  const [, before] = run('GRU', [x, w, w, b, undefined, h0], { hidden_size: 1, linear_before_reset: 1 }, 2);
  close(before!, f32([1, 1, 1], [step(2)]));
});

test('LSTM: gates i, o, f, c; peepholes; input_forget; clip spares the cell state', () => {
  const x = f32([1, 1, 1], [1]);
  const zeros = f32([1, 4, 1], [0, 0, 0, 0]);
  const b = (c: number) => f32([1, 8], [0, 0, 0, c, 0, 0, 0, 0]);
  const c0 = (c: number) => f32([1, 1, 1], [c]);
  const base = [x, zeros, zeros];
  const cell = 1 + 0.5 * Math.tanh(1);
  const [y, yh, yc] = run('LSTM', [...base, b(1), undefined, undefined, c0(2)], { hidden_size: 1 }, 3);
  close(yc!, f32([1, 1, 1], [cell]));
  close(yh!, f32([1, 1, 1], [0.5 * Math.tanh(cell)]));
  close(y!, f32([1, 1, 1, 1], [0.5 * Math.tanh(cell)]));
  const p = f32([1, 3], [1, 1, 0]); // Pi = Po = 1
  const [, peep] = run('LSTM', [...base, b(1), undefined, undefined, c0(2), p], { hidden_size: 1 }, 2);
  const i = sigmoid(2);
  const cp = 0.5 * 2 + i * Math.tanh(1);
  close(peep!, f32([1, 1, 1], [sigmoid(cp) * Math.tanh(cp)]));
  const pi = f32([1, 3], [1, 0, 0]);
  const [, , coupled] = run(
    'LSTM',
    [...base, b(1), undefined, undefined, c0(2), pi],
    { hidden_size: 1, input_forget: 1 },
    3,
  );
  close(coupled!, f32([1, 1, 1], [(1 - i) * 2 + i * Math.tanh(1)]));
  const [, , clipped] = run(
    'LSTM',
    [...base, b(5), undefined, undefined, c0(10)],
    { hidden_size: 1, clip: 1 },
    3,
  );
  close(clipped!, f32([1, 1, 1], [5 + 0.5 * Math.tanh(1)]));
});

test('RNN family infer: hidden size from R, both layouts, bidirectional', () => {
  const w = type('float32', [2, 20, 3]);
  const r = type('float32', [2, 20, 5]);
  const seqMajor = infer('LSTM', [type('float32', ['S', 'B', 3]), w, r], { direction: 'bidirectional' }, 3);
  assert.deepEqual(
    seqMajor.map((o) => o.shape),
    [
      ['S', 2, 'B', 5],
      [2, 'B', 5],
      [2, 'B', 5],
    ],
  );
  const batchMajor = infer(
    'LSTM',
    [type('float32', ['B', 'S', 3]), w, r],
    { direction: 'bidirectional', layout: 1 },
    2,
  );
  assert.deepEqual(
    batchMajor.map((o) => o.shape),
    [
      ['B', 'S', 2, 5],
      ['B', 2, 5],
    ],
  );
  const gru = infer(
    'GRU',
    [type('float16', [4, 2, 3]), type('float16', [1, 9, 3]), type('float16', [1, 9, 3])],
    { hidden_size: 3 },
    2,
  );
  assert.deepEqual(
    gru.map((o) => [o.dtype, o.shape]),
    [
      ['float16', [4, 1, 2, 3]],
      ['float16', [1, 2, 3]],
    ],
  );
  // LSTM stacks 4 gate blocks: 12 rows do not fit hidden_size 4; a bidirectional W needs 2 directions
  assert.throws(
    () =>
      infer('LSTM', [type('float32', [1, 1, 3]), type('float32', [1, 12, 3]), undefined], { hidden_size: 4 }),
    OpError,
  );
  assert.throws(
    () =>
      infer('RNN', [type('float32', [1, 1, 3]), type('float32', [1, 4, 3]), undefined], {
        hidden_size: 4,
        direction: 'bidirectional',
      }),
    OpError,
  );
});
