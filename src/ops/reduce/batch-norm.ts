import type { Dim } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import type { FloatArray } from './accumulate.js';
import {
  channelDim,
  channelGeometry,
  fromFloats,
  requireFloat,
  requireTensor,
  workBuffer,
  type ChannelGeometry,
} from './common.js';

/**
 * BatchNormalization (opset 15): y = (x - mean[c]) * a[c] + bias[c], a = scale / sqrt(var + eps).
 * training_mode=1 normalizes with the batch statistics and also returns the running mean and
 * variance (momentum-weighted). Parameters with C * spatial values are the per-activation form
 * of opsets < 9 (spatial=0) and are applied element by element, NCHW only.
 */
export const batchNormalization = defineOp({
  type: 'BatchNormalization',
  attrs: {
    epsilon: attr.float(1e-5),
    momentum: attr.float(0.9),
    training_mode: attr.int(0),
    layout: attr.layout(),
  },
  arity: { inputs: [5, 5], outputs: [1, 3] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'BatchNormalization');
    const mean = input(ctx, 3);
    if (ctx.outputCount > 1 && !ctx.attrs.training_mode)
      throw new OpError('BatchNormalization has one output unless training_mode=1');
    const c: Dim | undefined = x.shape ? channelDim(x.shape, ctx.attrs.layout) : undefined;
    const stats = { dtype: mean.dtype, shape: c === undefined ? mean.shape : [c] };
    return [x, stats, stats].slice(0, ctx.outputCount);
  },
  reference([xIn, scaleIn, biasIn, meanIn, varIn], attrs, outputCount) {
    const op = 'BatchNormalization';
    const x = requireTensor(xIn, op, 'an input');
    const geom = channelGeometry(x.shape, attrs.layout);
    const [scale, bias, mean, variance] = [scaleIn, biasIn, meanIn, varIn].map((t, i) =>
      decodeFloats(requireTensor(t, op, `input ${i + 1}`)),
    );
    const xs = decodeFloats(x);
    const out = workBuffer(x.dtype, xs.length);
    if (!attrs.training_mode) {
      applyAffine(xs, geom, foldStatistics(scale!, bias!, mean!, variance!, attrs.epsilon), out);
      return [fromFloats(x.dtype, x.shape, out)];
    }
    const [batchMean, batchVar] = channelStatistics(xs, geom);
    applyAffine(xs, geom, foldStatistics(scale!, bias!, batchMean, batchVar, attrs.epsilon), out);
    const m = attrs.momentum;
    const runningMean = new Float64Array(geom.channels);
    const runningVar = new Float64Array(geom.channels);
    for (let c = 0; c < geom.channels; c++) {
      runningMean[c] = mean![c]! * m + batchMean[c]! * (1 - m);
      runningVar[c] = variance![c]! * m + batchVar[c]! * (1 - m);
    }
    const statsDtype = requireTensor(meanIn, op, 'a mean').dtype;
    const results: Tensor[] = [
      fromFloats(x.dtype, x.shape, out),
      fromFloats(statsDtype, [geom.channels], runningMean),
      fromFloats(statsDtype, [geom.channels], runningVar),
    ];
    return results.slice(0, outputCount);
  },
});

interface Affine {
  readonly mean: FloatArray;
  readonly a: Float64Array;
  readonly bias: FloatArray;
}

function foldStatistics(
  scale: FloatArray,
  bias: FloatArray,
  mean: FloatArray,
  variance: FloatArray,
  epsilon: number,
): Affine {
  const n = scale.length;
  if (bias.length !== n || mean.length !== n || variance.length !== n) {
    throw new OpError('BatchNormalization scale, bias, mean and var must have the same size');
  }
  const a = new Float64Array(n);
  for (let c = 0; c < n; c++) a[c] = scale[c]! / Math.sqrt(variance[c]! + epsilon);
  return { mean, a, bias };
}

function applyAffine(x: FloatArray, geom: ChannelGeometry, { mean, a, bias }: Affine, out: FloatArray): void {
  const { batch, channels: C, spatial: S, channelStride: cs, spatialStride: ss } = geom;
  if (a.length === C * S && S > 1) {
    if (cs !== S) throw new OpError('per-activation BatchNormalization parameters need NCHW layout');
    const block = C * S;
    for (let n = 0; n < batch; n++)
      for (let k = 0; k < block; k++) out[n * block + k] = (x[n * block + k]! - mean[k]!) * a[k]! + bias[k]!;
    return;
  }
  if (a.length !== C)
    throw new OpError(`BatchNormalization parameters have ${a.length} values for ${C} channels`);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < C; c++) {
      const off = n * C * S + c * cs;
      const mc = mean[c]!;
      const ac = a[c]!;
      const bc = bias[c]!;
      for (let s = 0; s < S; s++) out[off + s * ss] = (x[off + s * ss]! - mc) * ac + bc;
    }
  }
}

/** Per-channel mean and population variance over the batch and spatial positions. */
function channelStatistics(x: FloatArray, geom: ChannelGeometry): [Float64Array, Float64Array] {
  const { batch, channels: C, spatial: S, channelStride: cs, spatialStride: ss } = geom;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const count = batch * S;
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let n = 0; n < batch; n++) {
      const off = n * C * S + c * cs;
      for (let s = 0; s < S; s++) sum += x[off + s * ss]!;
    }
    const m = sum / count;
    let sq = 0;
    for (let n = 0; n < batch; n++) {
      const off = n * C * S + c * cs;
      for (let s = 0; s < S; s++) {
        const d = x[off + s * ss]! - m;
        sq += d * d;
      }
    }
    mean[c] = m;
    variance[c] = sq / count;
  }
  return [mean, variance];
}
