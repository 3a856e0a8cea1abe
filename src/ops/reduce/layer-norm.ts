import type { DType } from '../../ir/dtype.js';
import type { Dim, TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { broadcastIndex } from '../support/broadcast.js';
import { decodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import type { FloatArray } from './accumulate.js';
import { fromFloats, requireFloat, requireTensor, workBuffer } from './common.js';
import { tailBlock } from './geometry.js';

/**
 * LayerNormalization and RMSNormalization: every row x[n, axis:] is normalized on its own
 * (mean-centred and variance-scaled, or divided by its root mean square), then scaled (and
 * shifted) by parameters broadcast over the normalized dims. Row statistics are float64.
 */
const normAttrs = { axis: attr.int(-1), epsilon: attr.float(1e-5), stash_type: attr.int(1) };

/** ONNX TensorProto element types that stash_type may name. */
function stashDtype(code: number): DType {
  switch (code) {
    case 1:
      return 'float32';
    case 10:
      return 'float16';
    case 11:
      return 'float64';
    case 16:
      return 'bfloat16';
    default:
      throw new OpError(`stash_type ${code} is not a float type`);
  }
}

/** A parameter laid out over the normalized dims: the identity when it already has that size. */
function paramOver(
  t: Tensor | undefined,
  normShape: readonly number[],
  normSize: number,
): { values: FloatArray; map: Int32Array | undefined } | undefined {
  if (!t) return undefined;
  const values = decodeFloats(t);
  if (values.length === normSize) return { values, map: undefined };
  if (t.shape.length > normShape.length)
    throw new OpError(`parameter of shape [${t.shape}] does not broadcast to [${normShape}]`);
  return { values, map: broadcastIndex(normShape, t.shape) };
}

function expandParam(
  p: { values: FloatArray; map: Int32Array | undefined } | undefined,
  size: number,
  fill: number,
): FloatArray {
  if (!p) return new Float64Array(size).fill(fill);
  if (!p.map) return p.values;
  const out = new Float64Array(size);
  for (let j = 0; j < size; j++) out[j] = p.values[p.map[j]!]!;
  return out;
}

export const layerNormalization = defineOp({
  type: 'LayerNormalization',
  attrs: normAttrs,
  arity: { inputs: [2, 3], outputs: [1, 3] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'LayerNormalization');
    const stash = stashDtype(ctx.attrs.stash_type);
    if (!x.shape)
      return [x, { dtype: stash, shape: undefined }, { dtype: stash, shape: undefined }].slice(
        0,
        ctx.outputCount,
      );
    const axis = normalizeAxis(ctx.attrs.axis, rankOf(x));
    const statShape: Dim[] = x.shape.map((d, i) => (i < axis ? d : 1));
    const stat: TensorType = { dtype: stash, shape: statShape };
    return [x, stat, stat].slice(0, ctx.outputCount);
  },
  reference([xIn, scaleIn, biasIn], attrs, outputCount) {
    const x = requireTensor(xIn, 'LayerNormalization', 'an input');
    const axis = normalizeAxis(attrs.axis, x.shape.length);
    const { outer, reduced: size } = tailBlock(x.shape, axis);
    const normShape = x.shape.slice(axis);
    const scale = expandParam(
      paramOver(requireTensor(scaleIn, 'LayerNormalization', 'a scale'), normShape, size),
      size,
      1,
    );
    const bias = expandParam(paramOver(biasIn, normShape, size), size, 0);
    const v = decodeFloats(x);
    const out = workBuffer(x.dtype, v.length);
    const means = new Float64Array(outer);
    const invStd = new Float64Array(outer);
    for (let o = 0; o < outer; o++) {
      const off = o * size;
      let sum = 0;
      for (let j = 0; j < size; j++) sum += v[off + j]!;
      const mean = sum / size;
      let sq = 0;
      for (let j = 0; j < size; j++) {
        const d = v[off + j]! - mean;
        sq += d * d;
      }
      const inv = 1 / Math.sqrt(sq / size + attrs.epsilon);
      for (let j = 0; j < size; j++) out[off + j] = (v[off + j]! - mean) * inv * scale[j]! + bias[j]!;
      means[o] = mean;
      invStd[o] = inv;
    }
    const stash = stashDtype(attrs.stash_type);
    const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
    return [
      fromFloats(x.dtype, x.shape, out),
      fromFloats(stash, statShape, means),
      fromFloats(stash, statShape, invStd),
    ].slice(0, outputCount);
  },
});

export const rmsNormalization = defineOp({
  type: 'RMSNormalization',
  attrs: normAttrs,
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    requireFloat(x, 'RMSNormalization');
    stashDtype(ctx.attrs.stash_type);
    if (x.shape) normalizeAxis(ctx.attrs.axis, rankOf(x));
    return [x];
  },
  reference([xIn, scaleIn], attrs) {
    const x = requireTensor(xIn, 'RMSNormalization', 'an input');
    const axis = normalizeAxis(attrs.axis, x.shape.length);
    const { outer, reduced: size } = tailBlock(x.shape, axis);
    const scale = expandParam(
      paramOver(requireTensor(scaleIn, 'RMSNormalization', 'a scale'), x.shape.slice(axis), size),
      size,
      1,
    );
    const v = decodeFloats(x);
    const out = workBuffer(x.dtype, v.length);
    for (let o = 0; o < outer; o++) {
      const off = o * size;
      let sq = 0;
      for (let j = 0; j < size; j++) sq += v[off + j]! * v[off + j]!;
      const inv = 1 / Math.sqrt(sq / size + attrs.epsilon);
      for (let j = 0; j < size; j++) out[off + j] = v[off + j]! * inv * scale[j]!;
    }
    return [fromFloats(x.dtype, x.shape, out)];
  },
});
