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
 * Normalization over groups of channels of one sample: each (n, group) block, spanning its
 * channels and every spatial position, gets mean 0 and variance 1, then a per-channel affine map.
 * InstanceNormalization is the case of one channel per group. Statistics are two-pass in float64.
 */
export function normalizeGroups(
  x: FloatArray,
  geom: ChannelGeometry,
  groups: number,
  scale: FloatArray,
  bias: FloatArray,
  epsilon: number,
  out: FloatArray,
): void {
  const { batch, channels: C, spatial: S, channelStride: cs, spatialStride: ss } = geom;
  const perGroup = C / groups;
  const count = perGroup * S;
  for (let n = 0; n < batch; n++) {
    const base = n * C * S;
    for (let g = 0; g < groups; g++) {
      const c0 = g * perGroup;
      let sum = 0;
      for (let c = c0; c < c0 + perGroup; c++) {
        const off = base + c * cs;
        for (let s = 0; s < S; s++) sum += x[off + s * ss]!;
      }
      const mean = sum / count;
      let sq = 0;
      for (let c = c0; c < c0 + perGroup; c++) {
        const off = base + c * cs;
        for (let s = 0; s < S; s++) {
          const d = x[off + s * ss]! - mean;
          sq += d * d;
        }
      }
      const inv = 1 / Math.sqrt(sq / count + epsilon);
      for (let c = c0; c < c0 + perGroup; c++) {
        const off = base + c * cs;
        const a = inv * scale[c]!;
        const b = bias[c]!;
        for (let s = 0; s < S; s++) out[off + s * ss] = (x[off + s * ss]! - mean) * a + b;
      }
    }
  }
}

function checkParam(t: Tensor, length: number, op: string, what: string): FloatArray {
  if (t.data.length !== length)
    throw new OpError(`${op} ${what} has ${t.data.length} values, expected ${length}`);
  return decodeFloats(t);
}

export const instanceNormalization = defineOp({
  type: 'InstanceNormalization',
  attrs: { epsilon: attr.float(1e-5), layout: attr.layout() },
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'InstanceNormalization');
    if (x.shape) channelDim(x.shape, ctx.attrs.layout);
    return [x];
  },
  reference([xIn, scaleIn, biasIn], attrs) {
    const x = requireTensor(xIn, 'InstanceNormalization', 'an input');
    const geom = channelGeometry(x.shape, attrs.layout);
    const C = geom.channels;
    const scale = checkParam(
      requireTensor(scaleIn, 'InstanceNormalization', 'a scale'),
      C,
      'InstanceNormalization',
      'scale',
    );
    const bias = checkParam(
      requireTensor(biasIn, 'InstanceNormalization', 'a bias'),
      C,
      'InstanceNormalization',
      'bias',
    );
    const out = workBuffer(x.dtype, x.data.length);
    normalizeGroups(decodeFloats(x), geom, C, scale, bias, attrs.epsilon, out);
    return [fromFloats(x.dtype, x.shape, out)];
  },
});

/**
 * GroupNormalization (opset 21: scale and bias per channel). `scale_per_group` is internal: the
 * ONNX upgrade sets it for opsets 18-20, whose scale and bias had one value per group.
 * stash_type asks for statistics in at least float32; they are always float64 here.
 */
export const groupNormalization = defineOp({
  type: 'GroupNormalization',
  attrs: {
    epsilon: attr.float(1e-5),
    num_groups: attr.int(),
    stash_type: attr.int(1),
    scale_per_group: attr.int(0),
    layout: attr.layout(),
  },
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'GroupNormalization');
    const groups = ctx.attrs.num_groups;
    if (groups === undefined || groups <= 0) throw new OpError('GroupNormalization needs num_groups > 0');
    if (x.shape) {
      const c = channelDim(x.shape, ctx.attrs.layout);
      if (typeof c === 'number' && c % groups !== 0)
        throw new OpError(`GroupNormalization: ${c} channels do not split into ${groups} groups`);
    }
    return [x];
  },
  reference([xIn, scaleIn, biasIn], attrs) {
    const x = requireTensor(xIn, 'GroupNormalization', 'an input');
    const groups = attrs.num_groups;
    if (groups === undefined || groups <= 0) throw new OpError('GroupNormalization needs num_groups > 0');
    const geom = channelGeometry(x.shape, attrs.layout);
    const C = geom.channels;
    if (C % groups !== 0)
      throw new OpError(`GroupNormalization: ${C} channels do not split into ${groups} groups`);
    const perGroup = attrs.scale_per_group !== 0;
    let scale = checkParam(
      requireTensor(scaleIn, 'GroupNormalization', 'a scale'),
      perGroup ? groups : C,
      'GroupNormalization',
      'scale',
    );
    let bias = checkParam(
      requireTensor(biasIn, 'GroupNormalization', 'a bias'),
      perGroup ? groups : C,
      'GroupNormalization',
      'bias',
    );
    if (perGroup) {
      scale = repeatPerChannel(scale, C / groups);
      bias = repeatPerChannel(bias, C / groups);
    }
    const out = workBuffer(x.dtype, x.data.length);
    normalizeGroups(decodeFloats(x), geom, groups, scale, bias, attrs.epsilon, out);
    return [fromFloats(x.dtype, x.shape, out)];
  },
});

function repeatPerChannel(perGroup: FloatArray, channelsPerGroup: number): Float64Array {
  const out = new Float64Array(perGroup.length * channelsPerGroup);
  for (let c = 0; c < out.length; c++) out[c] = perGroup[Math.floor(c / channelsPerGroup)]!;
  return out;
}
