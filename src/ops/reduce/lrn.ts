import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import {
  channelDim,
  channelGeometry,
  fromFloats,
  requireFloat,
  requireTensor,
  workBuffer,
} from './common.js';

/**
 * LRN: x / (bias + alpha / size * sum of squares over neighbouring channels) ^ beta. The window
 * is [c - floor((size-1)/2), c + ceil((size-1)/2)], clipped to the channel range.
 */
export const lrn = defineOp({
  type: 'LRN',
  attrs: {
    size: attr.int(),
    alpha: attr.float(1e-4),
    beta: attr.float(0.75),
    bias: attr.float(1),
    layout: attr.layout(),
  },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'LRN');
    if (ctx.attrs.size === undefined || ctx.attrs.size < 1) throw new OpError('LRN needs size >= 1');
    if (x.shape) channelDim(x.shape, ctx.attrs.layout);
    return [x];
  },
  reference([xIn], attrs) {
    const x = requireTensor(xIn, 'LRN', 'an input');
    const size = attrs.size;
    if (size === undefined || size < 1) throw new OpError('LRN needs size >= 1');
    const {
      batch,
      channels: C,
      spatial: S,
      channelStride: cs,
      spatialStride: ss,
    } = channelGeometry(x.shape, attrs.layout);
    const v = decodeFloats(x);
    const out = workBuffer(x.dtype, v.length);
    const sq = new Float64Array(S);
    const before = Math.floor((size - 1) / 2);
    const after = Math.ceil((size - 1) / 2);
    const k = attrs.alpha / size;
    for (let n = 0; n < batch; n++) {
      const base = n * C * S;
      for (let c = 0; c < C; c++) {
        sq.fill(0);
        for (let w = Math.max(0, c - before); w <= Math.min(C - 1, c + after); w++) {
          const off = base + w * cs;
          for (let s = 0; s < S; s++) sq[s]! += v[off + s * ss]! * v[off + s * ss]!;
        }
        const off = base + c * cs;
        for (let s = 0; s < S; s++)
          out[off + s * ss] = v[off + s * ss]! / Math.pow(attrs.bias + k * sq[s]!, attrs.beta);
      }
    }
    return [fromFloats(x.dtype, x.shape, out)];
  },
});
