import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import '../../src/backend/lower/all.js';
import type { GraphInput } from '../helpers/lowering-harness.js';
import { check, float, i64, int, random, str, tolerance } from './lower-reduce-support.js';

const T = { atol: 3e-5, rtol: 1e-4 };

function attention(
  dtype: DType,
  opts: {
    three?: boolean;
    hq?: number;
    hkv?: number;
    sq?: number;
    skv?: number;
    past?: number;
    mask?: number[];
    bool?: boolean;
    nonpad?: number[];
  },
  attrs: Attrs = {},
  outputs = 1,
) {
  const [B, Hq, Hkv, Sq, Skv, D, Dv] = [2, opts.hq ?? 2, opts.hkv ?? 2, opts.sq ?? 3, opts.skv ?? 5, 4, 3];
  const shape = (H: number, S: number, d: number) => (opts.three ? [B, S, H * d] : [B, H, S, d]);
  const inputs: (GraphInput | undefined)[] = [
    { name: 'q', value: random(dtype, shape(Hq, Sq, D), 1, -1, 1) },
    { name: 'k', value: random(dtype, shape(Hkv, Skv, D), 2, -1, 1) },
    { name: 'v', value: random(dtype, shape(Hkv, Skv, Dv), 3, -1, 1) },
    opts.mask
      ? { name: 'mask', value: opts.bool ? random('bool', opts.mask, 4) : random(dtype, opts.mask, 4, -2, 0) }
      : undefined,
    opts.past ? { name: 'pk', value: random(dtype, [B, Hkv, opts.past, D], 5, -1, 1) } : undefined,
    opts.past ? { name: 'pv', value: random(dtype, [B, Hkv, opts.past, Dv], 6, -1, 1) } : undefined,
    opts.nonpad ? { name: 'nonpad', value: i64(opts.nonpad) } : undefined,
  ];
  while (inputs.length && inputs[inputs.length - 1] === undefined) inputs.pop();
  const heads: Attrs = opts.three ? { q_num_heads: int(Hq), kv_num_heads: int(Hkv) } : {};
  check(
    'Attention',
    inputs,
    { ...heads, ...attrs },
    { outputs, tolerance: dtype === 'float32' ? T : tolerance(dtype) },
  );
}

test('Attention 4-D and 3-D, grouped-query heads, scale and softcap, every dtype', () => {
  for (const dtype of ['float32', 'float16', 'float64'] as const) {
    for (const three of [false, true]) {
      attention(dtype, { three });
      attention(dtype, { three, hq: 4, hkv: 2 });
      attention(dtype, { three, hq: 3, hkv: 1 }, { scale: float(0.3), softcap: float(0.8) });
    }
  }
});

test('Attention masks: additive and bool, broadcast, shorter than the keys; causal; nonpad lengths', () => {
  for (const dtype of ['float32', 'float16'] as const) {
    for (const mask of [[3, 5], [2, 1, 3, 5], [1, 2, 1, 5], [3, 2], [5], [1]]) {
      for (const bool of [false, true]) attention(dtype, { mask, bool });
    }
    attention(dtype, { sq: 5, skv: 5 }, { is_causal: int(1) });
    attention(dtype, { sq: 2, skv: 5, mask: [2, 5] }, { is_causal: int(1) });
    attention(dtype, { sq: 3, skv: 6, nonpad: [6, 4] }, { is_causal: int(1) });
    attention(dtype, { nonpad: [2, 5] });
  }
});

test('Attention with a KV cache: present outputs and every qk_matmul_output mode', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const three of [false, true]) {
      attention(dtype, { three, past: 4, hq: 4, hkv: 2 }, {}, 3);
      attention(dtype, { three, past: 2, mask: [3, 7] }, { is_causal: int(1) }, 3);
      attention(dtype, { three }, {}, 3);
      for (let mode = 0; mode < 4; mode++) {
        attention(
          dtype,
          { three, past: 2, mask: [2, 1, 3, 7] },
          { qk_matmul_output_mode: int(mode), softcap: float(2) },
          4,
        );
      }
    }
  }
});

test('RotaryEmbedding: 4-D and 3-D, halves and interleaved, partial rotation, position ids', () => {
  for (const dtype of ['float32', 'float16', 'float64'] as const) {
    for (const interleaved of [0, 1]) {
      for (const rot of [0, 4]) {
        const attrs = { interleaved: int(interleaved), rotary_embedding_dim: int(rot) };
        const half = rot ? rot / 2 : 3;
        const pos = { name: 'pos', value: fromNumbers('int64', [2, 3], [0, 5, 2, 7, 1, 3]) };
        const cache = (seed: number) => random(dtype, [8, half], seed, -1, 1);
        check(
          'RotaryEmbedding',
          [
            { name: 'x', value: random(dtype, [2, 2, 3, 6], 1) },
            { name: 'c', value: cache(2) },
            { name: 's', value: cache(3) },
            pos,
          ],
          attrs,
          { tolerance: tolerance(dtype) },
        );
        check(
          'RotaryEmbedding',
          [
            { name: 'x', value: random(dtype, [2, 3, 12], 1) },
            { name: 'c', value: cache(2) },
            { name: 's', value: cache(3) },
            pos,
          ],
          { ...attrs, num_heads: int(2) },
          { tolerance: tolerance(dtype) },
        );
        const perToken = (seed: number) => ({
          name: `t${seed}`,
          value: random(dtype, [2, 3, half], seed, -1, 1),
        });
        check(
          'RotaryEmbedding',
          [{ name: 'x', value: random(dtype, [2, 2, 3, 6], 1) }, perToken(2), perToken(3)],
          attrs,
          {
            tolerance: tolerance(dtype),
          },
        );
      }
    }
  }
});

test('NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: reductions, weights, ignore_index', () => {
  for (const dtype of ['float32', 'float16', 'float64'] as const) {
    for (const shape of [
      [4, 5],
      [2, 5, 3],
      [2, 5, 2, 2],
    ]) {
      const [N, C] = [shape[0]!, shape[1]!];
      const targetShape = [N, ...shape.slice(2)];
      const n = targetShape.reduce((a, b) => a * b, 1);
      const target = fromNumbers(
        'int64',
        targetShape,
        Array.from({ length: n }, (_, i) => (i * 3) % C),
      );
      for (const reduction of ['none', 'sum', 'mean']) {
        for (const ignore of [undefined, 1]) {
          for (const weighted of [false, true]) {
            const attrs = {
              reduction: str(reduction),
              ...(ignore === undefined ? {} : { ignore_index: int(ignore) }),
            };
            const inputs = [
              { name: 'x', value: random(dtype, shape, 7) },
              { name: 't', value: target },
              weighted ? { name: 'w', value: random(dtype, [C], 8, 0.1, 2) } : undefined,
            ];
            check('NegativeLogLikelihoodLoss', inputs, attrs, { tolerance: tolerance(dtype) });
            for (const outputs of [1, 2])
              check('SoftmaxCrossEntropyLoss', inputs, attrs, {
                outputs,
                tolerance: tolerance(dtype),
              });
          }
        }
      }
    }
  }
});

test('batch-1 RotaryEmbedding and Attention loop over heads and tokens only', () => {
  const cache = (seed: number) => ({ name: `c${seed}`, value: random('float32', [1, 3, 3], seed, -1, 1) });
  const x = { name: 'x', value: random('float32', [1, 2, 3, 6], 1) };
  const p = check('RotaryEmbedding', [x, cache(2), cache(3)]);
  const loop = p.kernels[0]!.body[0]!;
  assert.ok(loop.op === 'loop' && loop.extent === 2 && loop.parallel);
  const q = { name: 'q', value: random('float32', [1, 2, 3, 4], 4) };
  const k = { name: 'k', value: random('float32', [1, 2, 5, 4], 5) };
  const v = { name: 'v', value: random('float32', [1, 2, 5, 3], 6) };
  check('Attention', [q, k, v], {}, { outputs: 3, tolerance: T });
  check(
    'Attention',
    [q, k, v].map((i) => ({ ...i, value: random('float64', i.value.shape, 7) })),
    {},
    { outputs: 3 },
  );
});
