import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { broadcastIndex } from '../support/broadcast.js';
import { decodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import { reduceFloats } from './accumulate.js';
import { fromFloats, requireFloat, requireTensor, workBuffer } from './common.js';
import { axisBlock, reducedShape, reductionAxes } from './geometry.js';

/**
 * LpNormalization: x divided by its L1 or L2 norm along one axis. A zero norm gives 0, as the
 * ONNX reference does (not 0/0 = NaN).
 */
export const lpNormalization = defineOp({
  type: 'LpNormalization',
  attrs: { axis: attr.int(-1), p: attr.int(2) },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'LpNormalization');
    if (ctx.attrs.p !== 1 && ctx.attrs.p !== 2)
      throw new OpError(`LpNormalization p must be 1 or 2, found ${ctx.attrs.p}`);
    if (x.shape) normalizeAxis(ctx.attrs.axis, rankOf(x));
    return [x];
  },
  reference([xIn], attrs) {
    const x = requireTensor(xIn, 'LpNormalization', 'an input');
    const { outer, reduced: n, inner } = axisBlock(x.shape, normalizeAxis(attrs.axis, x.shape.length));
    const v = decodeFloats(x);
    const out = workBuffer(x.dtype, v.length);
    const norm = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      const base = o * n * inner;
      norm.fill(0);
      for (let r = 0; r < n; r++) {
        const row = base + r * inner;
        if (attrs.p === 1) for (let i = 0; i < inner; i++) norm[i]! += Math.abs(v[row + i]!);
        else for (let i = 0; i < inner; i++) norm[i]! += v[row + i]! * v[row + i]!;
      }
      if (attrs.p === 2) for (let i = 0; i < inner; i++) norm[i] = Math.sqrt(norm[i]!);
      for (let r = 0; r < n; r++) {
        const row = base + r * inner;
        for (let i = 0; i < inner; i++) out[row + i] = norm[i] === 0 ? 0 : v[row + i]! / norm[i]!;
      }
    }
    return [fromFloats(x.dtype, x.shape, out)];
  },
});

/**
 * MeanVarianceNormalization: (x - mean) / (std + 1e-9) over `axes`, with the population standard
 * deviation (the epsilon is the one of the ONNX function body).
 */
export const meanVarianceNormalization = defineOp({
  type: 'MeanVarianceNormalization',
  attrs: { axes: attr.ints([0, 2, 3]) },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'MeanVarianceNormalization');
    if (x.shape) reductionAxes(ctx.attrs.axes, rankOf(x));
    return [x];
  },
  reference([xIn], attrs) {
    const x = requireTensor(xIn, 'MeanVarianceNormalization', 'an input');
    const axes = reductionAxes(attrs.axes, x.shape.length);
    const v = decodeFloats(x);
    const keep = reducedShape(x.shape, axes, true);
    const map = broadcastIndex(x.shape, keep);
    const mean = reduceFloats(v, x.shape, axes, 'sum');
    const count = v.length / Math.max(1, mean.length);
    for (let i = 0; i < mean.length; i++) mean[i] = mean[i]! / count;
    const centred = new Float64Array(v.length);
    for (let k = 0; k < v.length; k++) {
      const d = v[k]! - mean[map[k]!]!;
      centred[k] = d * d;
    }
    const std = reduceFloats(centred, x.shape, axes, 'sum');
    for (let i = 0; i < std.length; i++) std[i] = Math.sqrt(std[i]! / count) + 1e-9;
    const out = workBuffer(x.dtype, v.length);
    for (let k = 0; k < v.length; k++) out[k] = (v[k]! - mean[map[k]!]!) / std[map[k]!]!;
    return [fromFloats(x.dtype, x.shape, out)];
  },
});
