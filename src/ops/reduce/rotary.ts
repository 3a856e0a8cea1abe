import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { fromFloats, intValues, requireFloat, requireTensor, workBuffer } from './common.js';

/**
 * RotaryEmbedding (opset 23): rotates the first rotary_embedding_dim features of every head by
 * position-dependent angles. Input [B, H, S, D] or [B, S, H * D] (num_heads attribute); caches
 * [max_pos, rot/2] indexed by position_ids [B, S], or [B, S, rot/2] without position_ids.
 * Pairs are (x[j], x[j + rot/2]) or, interleaved, (x[2j], x[2j + 1]).
 */
export const rotaryEmbedding = defineOp({
  type: 'RotaryEmbedding',
  attrs: { interleaved: attr.int(0), num_heads: attr.int(0), rotary_embedding_dim: attr.int(0) },
  arity: { inputs: [3, 4], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'RotaryEmbedding');
    if (x.shape && x.shape.length !== 3 && x.shape.length !== 4)
      throw new OpError('RotaryEmbedding input must be 3-D or 4-D');
    if (x.shape?.length === 3 && !ctx.attrs.num_heads)
      throw new OpError('3-D RotaryEmbedding input needs num_heads');
    return [x];
  },
  reference([xIn, cosIn, sinIn, posIn], attrs) {
    const x = requireTensor(xIn, 'RotaryEmbedding', 'an input');
    const cos = decodeFloats(requireTensor(cosIn, 'RotaryEmbedding', 'a cos cache'));
    const sin = decodeFloats(requireTensor(sinIn, 'RotaryEmbedding', 'a sin cache'));
    const is4d = x.shape.length === 4;
    const B = x.shape[0]!;
    const S = is4d ? x.shape[2]! : x.shape[1]!;
    const H = is4d ? x.shape[1]! : attrs.num_heads;
    if (!H) throw new OpError('3-D RotaryEmbedding input needs num_heads');
    const D = is4d ? x.shape[3]! : x.shape[2]! / H;
    const rot = attrs.rotary_embedding_dim || D;
    if (rot % 2 !== 0 || rot > D)
      throw new OpError(`RotaryEmbedding rotary_embedding_dim ${rot} does not fit head size ${D}`);
    const half = rot / 2;
    const pos = posIn ? intValues(posIn) : undefined;
    const v = decodeFloats(x);
    const out = workBuffer(x.dtype, v.length);
    out.set(v);
    // element (b, h, s, d) lives at b*H*S*D + h*hStride + s*sStride + d in either layout
    const hStride = is4d ? S * D : D;
    const sStride = is4d ? D : H * D;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const row = pos ? pos[b * S + s]! * half : (b * S + s) * half;
        if (row + half > cos.length || row + half > sin.length)
          throw new OpError('RotaryEmbedding position is outside the cos/sin cache');
        for (let h = 0; h < H; h++) {
          const base = b * H * S * D + h * hStride + s * sStride;
          for (let j = 0; j < half; j++) {
            const i1 = attrs.interleaved ? base + 2 * j : base + j;
            const i2 = attrs.interleaved ? i1 + 1 : i1 + half;
            const c = cos[row + j]!;
            const sn = sin[row + j]!;
            const x1 = v[i1]!;
            const x2 = v[i2]!;
            out[i1] = c * x1 - sn * x2;
            out[i2] = sn * x1 + c * x2;
          }
        }
      }
    }
    return [fromFloats(x.dtype, x.shape, out)];
  },
});
