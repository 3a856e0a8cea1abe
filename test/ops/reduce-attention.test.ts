import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/ir/tensor.js';
import { close, f32, i64, infer, run, t, values } from '../helpers/op-harness.js';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

test('Attention: one query over two keys is a softmax-weighted mean of V', () => {
  // scale 1: scores q.k = [0, ln 3] -> weights [1/4, 3/4]
  const q = f32([1, 1, 1, 1], [1]);
  const k = f32([1, 1, 2, 1], [0, Math.log(3)]);
  const v = f32([1, 1, 2, 2], [4, 0, 0, 8]);
  const [y] = run('Attention', [q, k, v], { scale: 1 });
  close(y!, f32([1, 1, 1, 2], [1, 6]));
});

test('Attention: causal masking and a boolean mask', () => {
  const q = f32([1, 1, 2, 1], [1, 1]);
  const k = f32([1, 1, 2, 1], [0, 0]);
  const v = f32([1, 1, 2, 1], [2, 4]);
  const [causal] = run('Attention', [q, k, v], { is_causal: 1 });
  close(causal!, f32([1, 1, 2, 1], [2, 3]));
  const mask = t('bool', [2, 2], [0, 1, 1, 1]);
  const [masked] = run('Attention', [q, k, v, mask]);
  close(masked!, f32([1, 1, 2, 1], [4, 3]));
  // a mask shorter than the keys pads with -inf
  const [short] = run('Attention', [q, k, v, f32([1, 1], [0])]);
  close(short!, f32([1, 1, 2, 1], [2, 2]));
});

test('Attention: past key/value form the present cache; qk output modes', () => {
  const q = f32([1, 1, 1, 1], [1]);
  const k = f32([1, 1, 1, 1], [1]);
  const v = f32([1, 1, 1, 1], [5]);
  const pastK = f32([1, 1, 1, 1], [0]);
  const pastV = f32([1, 1, 1, 1], [1]);
  const outs = run(
    'Attention',
    [q, k, v, undefined, pastK, pastV],
    { scale: 1, qk_matmul_output_mode: 0 },
    4,
  );
  assert.deepEqual(values(outs[1]!), [0, 1]);
  assert.deepEqual(values(outs[2]!), [1, 5]);
  assert.deepEqual(values(outs[3]!), [0, 1]);
  const w = 1 / (1 + Math.E);
  close(outs[0]!, f32([1, 1, 1, 1], [w * 1 + (1 - w) * 5]));
  const [, , , probs] = run(
    'Attention',
    [q, k, v, undefined, pastK, pastV],
    { scale: 1, qk_matmul_output_mode: 3 },
    4,
  );
  close(probs!, f32([1, 1, 1, 2], [w, 1 - w]));
  const [, , , capped] = run(
    'Attention',
    [q, k, v, undefined, pastK, pastV],
    { scale: 1, softcap: 0.5, qk_matmul_output_mode: 1 },
    4,
  );
  close(capped!, f32([1, 1, 1, 2], [0, 0.5 * Math.tanh(2)]));
});

/** [B, H, S, D] -> [B, S, H * D] */
function to3d(x: Tensor): Tensor {
  const [B, H, S, D] = x.shape as [number, number, number, number];
  const v = values(x);
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let s = 0; s < S; s++)
      for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) out.push(v[((b * H + h) * S + s) * D + d]!);
  return f32([B, S, H * D], out);
}

test('Attention: 3-D inputs with grouped-query heads match the 4-D form', () => {
  const q = f32(
    [1, 4, 3, 2],
    seq(24, (i) => Math.sin(i)),
  );
  const k = f32(
    [1, 2, 5, 2],
    seq(20, (i) => Math.cos(i)),
  );
  const v = f32(
    [1, 2, 5, 3],
    seq(30, (i) => i / 10),
  );
  const [y4] = run('Attention', [q, k, v]);
  assert.deepEqual(y4!.shape, [1, 4, 3, 3]);
  const [y3] = run('Attention', [to3d(q), to3d(k), to3d(v)], { q_num_heads: 4, kv_num_heads: 2 });
  close(y3!, to3d(y4!));
  // query heads 0 and 1 share KV head 0: equal queries give equal outputs
  const same = f32([1, 2, 1, 2], [1, 2, 1, 2]);
  const [g] = run('Attention', [
    same,
    f32(
      [1, 1, 5, 2],
      seq(10, (i) => i % 3),
    ),
    f32(
      [1, 1, 5, 3],
      seq(15, (i) => i),
    ),
  ]);
  assert.deepEqual(values(g!).slice(0, 3), values(g!).slice(3));
});

test('Attention infer: present length adds past and current', () => {
  const f = (shape: (number | string)[]) => ({ dtype: 'float32' as const, shape });
  const types = infer(
    'Attention',
    [f([2, 4, 3, 8]), f([2, 2, 5, 8]), f([2, 2, 5, 6]), undefined, f([2, 2, 7, 8]), f([2, 2, 7, 6])],
    {},
    4,
  );
  assert.deepEqual(
    types.map((x) => x.shape),
    [
      [2, 4, 3, 6],
      [2, 2, 12, 8],
      [2, 2, 12, 6],
      [2, 4, 3, 12],
    ],
  );
  const [y3] = infer('Attention', [f(['b', 3, 32]), f(['b', 5, 16]), f(['b', 5, 8])], {
    q_num_heads: 4,
    kv_num_heads: 2,
  });
  assert.deepEqual(y3!.shape, ['b', 3, 16]);
});

test('RotaryEmbedding rotates halves, interleaved pairs and a partial dim', () => {
  const x = f32([1, 1, 1, 4], [1, 2, 3, 4]);
  const half = Math.PI / 2;
  const cos = f32([1, 2], [Math.cos(half), 1]);
  const sin = f32([1, 2], [Math.sin(half), 0]);
  const pos = i64([1, 1], [0]);
  // pairs (x0, x2) rotated by 90 degrees, (x1, x3) untouched
  close(run('RotaryEmbedding', [x, cos, sin, pos])[0]!, f32([1, 1, 1, 4], [-3, 2, 1, 4]), 1e-6);
  // pairs (x0, x1) rotated, (x2, x3) untouched
  close(
    run('RotaryEmbedding', [x, cos, sin, pos], { interleaved: 1 })[0]!,
    f32([1, 1, 1, 4], [-2, 1, 3, 4]),
    1e-6,
  );
  const [partial] = run(
    'RotaryEmbedding',
    [x, f32([1, 1], [Math.cos(half)]), f32([1, 1], [Math.sin(half)]), pos],
    { rotary_embedding_dim: 2 },
  );
  close(partial!, f32([1, 1, 1, 4], [-2, 1, 3, 4]), 1e-6);
  // 3-D input with num_heads, caches indexed per (batch, seq) without position ids
  const [three] = run(
    'RotaryEmbedding',
    [f32([1, 1, 4], [1, 2, 3, 4]), f32([1, 1, 1], [Math.cos(half)]), f32([1, 1, 1], [Math.sin(half)])],
    { num_heads: 2 },
  );
  close(three!, f32([1, 1, 4], [-2, 1, -4, 3]), 1e-6);
});
