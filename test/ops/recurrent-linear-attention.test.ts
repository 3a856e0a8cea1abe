import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { close, f32, infer, run, t, type } from '../helpers/op-harness.js';

const LN_HALF = Math.log(0.5);
const heads = (q: number, kv: number) => ({ q_num_heads: q, kv_num_heads: kv });

test('LinearAttention linear: the state accumulates k (x) v and every step reads it', () => {
  const q = f32([1, 2, 1], [1, 1]);
  const k = f32([1, 2, 1], [1, 2]);
  const v = f32([1, 2, 1], [3, 4]);
  const [y, state] = run(
    'LinearAttention',
    [q, k, v],
    { ...heads(1, 1), update_rule: 'linear', scale: 1 },
    2,
  );
  close(y!, f32([1, 2, 1], [3, 11]));
  close(state!, f32([1, 1, 1, 1], [11]));
});

test('LinearAttention: scale defaults to 1/sqrt(d_k), and 0 means the default', () => {
  const q = f32([1, 1, 4], [1, 0, 0, 0]);
  const k = f32([1, 1, 4], [1, 0, 0, 0]);
  const v = f32([1, 1, 1], [6]);
  for (const scale of [undefined, 0]) {
    const [y] = run('LinearAttention', [q, k, v], { ...heads(1, 1), update_rule: 'linear', scale });
    close(y!, f32([1, 1, 1], [3]));
  }
});

test('LinearAttention gated: decay per head or per key row, in log space', () => {
  const q = f32([1, 1, 2], [1, 1]);
  const k = f32([1, 1, 2], [0, 0]);
  const v = f32([1, 1, 1], [0]);
  const past = f32([1, 1, 2, 1], [4, 8]);
  const attrs = { ...heads(1, 1), update_rule: 'gated', scale: 1 };
  const [perHead, s1] = run('LinearAttention', [q, k, v, past, f32([1, 1, 1], [LN_HALF])], attrs, 2);
  close(perHead!, f32([1, 1, 1], [6]));
  close(s1!, f32([1, 1, 2, 1], [2, 4]));
  const perKey = f32([1, 1, 2], [LN_HALF, Math.log(0.25)]);
  const [y2] = run('LinearAttention', [q, k, v, past, perKey], attrs);
  close(y2!, f32([1, 1, 1], [4]));
});

test('LinearAttention delta rules: beta scales the prediction error; gating decays first', () => {
  const q = f32([1, 1, 1], [1]);
  const k = f32([1, 1, 1], [1]);
  const v = f32([1, 1, 1], [5]);
  const past = f32([1, 1, 1, 1], [2]);
  const beta = f32([1, 1, 1], [0.5]);
  const decay = f32([1, 1, 1], [LN_HALF]);
  const [delta] = run('LinearAttention', [q, k, v, past, undefined, beta], {
    ...heads(1, 1),
    update_rule: 'delta',
    scale: 1,
  });
  close(delta!, f32([1, 1, 1], [3.5])); // 2 + 0.5 * (5 - 2)
  const [gd, state] = run('LinearAttention', [q, k, v, past, decay, beta], { ...heads(1, 1), scale: 1 }, 2);
  close(gd!, f32([1, 1, 1], [3])); // 1 + 0.5 * (5 - 1): the error is read from the decayed state
  close(state!, f32([1, 1, 1, 1], [3]));
  // an erase gate of 0 hides the state from the error term: 1 + 0.5 * 5
  const erase = f32([1, 1, 1], [0]);
  const [erased] = run('LinearAttention', [q, k, v, past, decay, beta, erase], { ...heads(1, 1), scale: 1 });
  close(erased!, f32([1, 1, 1], [3.5]));
});

test('LinearAttention: beta per KV head or one shared value', () => {
  const q = f32([1, 1, 2], [1, 1]);
  const k = f32([1, 1, 2], [1, 1]);
  const v = f32([1, 1, 2], [2, 4]);
  const attrs = { ...heads(2, 2), update_rule: 'delta', scale: 1 };
  const [shared] = run('LinearAttention', [q, k, v, undefined, undefined, f32([1, 1, 1], [0.5])], attrs);
  close(shared!, f32([1, 1, 2], [1, 2]));
  const [perHead] = run('LinearAttention', [q, k, v, undefined, undefined, f32([1, 1, 2], [0.5, 1])], attrs);
  close(perHead!, f32([1, 1, 2], [1, 4]));
});

test('LinearAttention GQA: query heads of a group read their KV head state', () => {
  const q = f32([1, 1, 2], [1, 2]);
  const k = f32([1, 1, 1], [1]);
  const v = f32([1, 1, 1], [3]);
  const [y, state] = run(
    'LinearAttention',
    [q, k, v],
    { ...heads(2, 1), update_rule: 'linear', scale: 1 },
    2,
  );
  close(y!, f32([1, 1, 2], [3, 6]));
  close(state!, f32([1, 1, 1, 1], [3]));
});

test('LinearAttention float16 in, float16 out; present_state takes the past state dtype', () => {
  const q = t('float16', [1, 1, 1], [1]);
  const v = t('float16', [1, 1, 1], [0.1]);
  const [y, state] = run(
    'LinearAttention',
    [q, q, v],
    { ...heads(1, 1), update_rule: 'linear', scale: 1 },
    2,
  );
  close(y!, t('float16', [1, 1, 1], [0.1]), 1e-3);
  assert.equal(state!.dtype, 'float16');
  const past = f32([1, 1, 1, 1], [1]);
  const [, s32] = run(
    'LinearAttention',
    [q, q, v, past],
    { ...heads(1, 1), update_rule: 'linear', scale: 1 },
    2,
  );
  close(s32!, f32([1, 1, 1, 1], [1.1]), 1e-3);
});

test('LinearAttention infer: packed outputs and the state shape, static and symbolic', () => {
  const gqa = infer(
    'LinearAttention',
    [
      type('float32', [2, 4, 64]),
      type('float32', [2, 4, 32]),
      type('float32', [2, 4, 32]),
      undefined,
      type('float32', [2, 4, 32]),
      type('float32', [2, 4, 4]),
    ],
    heads(8, 4),
    2,
  );
  assert.deepEqual(
    gqa.map((x) => x.shape),
    [
      [2, 4, 64],
      [2, 4, 8, 8],
    ],
  );
  const sym = infer(
    'LinearAttention',
    [type('float16', ['B', 'T', 64]), type('float16', ['B', 'T', 32]), type('float16', ['B', 'T', 32])],
    { ...heads(8, 4), update_rule: 'linear' },
    2,
  );
  assert.deepEqual(
    sym.map((x) => x.shape),
    [
      ['B', 'T', 64],
      ['B', 4, 8, 8],
    ],
  );
  // unknown hidden sizes are recovered from past_state; its dtype is the present state's
  const fromPast = infer(
    'LinearAttention',
    [
      type('float16', ['B', 'T', 'D']),
      type('float16', ['B', 'T', 'D']),
      type('float16', ['B', 'T', 'E']),
      type('float32', ['B', 4, 8, 16]),
    ],
    { ...heads(4, 4), update_rule: 'linear' },
    2,
  );
  assert.deepEqual(
    fromPast.map((x) => [x.dtype, x.shape]),
    [
      ['float16', ['B', 'T', 64]],
      ['float32', ['B', 4, 8, 16]],
    ],
  );
});

test('LinearAttention rejects inputs its update rule forbids or lacks, and bad head counts', () => {
  const x = type('float32', [1, 1, 4]);
  const g = type('float32', [1, 1, 2]);
  const cases: [Record<string, unknown>, (typeof x | undefined)[]][] = [
    [heads(2, 2), [x, x, x]], // gated_delta without decay and beta
    [{ ...heads(2, 2), update_rule: 'delta' }, [x, x, x, undefined, g, g]], // delta with decay
    [{ ...heads(2, 2), update_rule: 'linear' }, [x, x, x, undefined, undefined, g]], // linear with beta
    [heads(3, 2), [x, x, x, undefined, g, g]],
    [heads(2, 2), [x, x, x, undefined, g, type('float32', [1, 1, 3])]], // beta neither H_kv nor 1 wide
  ];
  for (const [attrs, inputs] of cases)
    assert.throws(() => infer('LinearAttention', inputs, attrs, 2), OpError);
});
