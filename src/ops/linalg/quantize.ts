import { isFloat, type DType } from '../../ir/dtype.js';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../../ir/half.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { checkQuantized, dtypeOfCode, paramIndex, quantizeInto, roundHalfEven } from './quant-common.js';

/** Rounds a float64 result to the precision of `dtype` (the spec's "precision of the division"). */
function rounder(dtype: DType): (v: number) => number {
  switch (dtype) {
    case 'float32':
      return Math.fround;
    case 'float16':
      return (v) => float16BitsToFloat32(float32ToFloat16Bits(v));
    case 'bfloat16':
      return (v) => bfloat16BitsToFloat32(float32ToBfloat16Bits(v));
    default:
      return (v) => v;
  }
}

function quantizedType(zp: DType | undefined, outputDtype: number): DType {
  if (zp !== undefined) return zp;
  return outputDtype !== 0 ? dtypeOfCode(outputDtype) : 'uint8';
}

export const quantizeLinear = defineOp({
  type: 'QuantizeLinear',
  attrs: {
    axis: attr.int(1),
    block_size: attr.int(0),
    output_dtype: attr.int(0),
    saturate: attr.int(1),
    precision: attr.int(0),
  },
  arity: { inputs: [2, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const dtype = quantizedType(ctx.inputs[2]?.dtype, ctx.attrs.output_dtype);
    checkQuantized(dtype, 'QuantizeLinear');
    return [{ dtype, shape: x.shape }];
  },
  reference([x, scale, zp], a) {
    if (!x || !scale) throw new OpError('QuantizeLinear needs x and y_scale');
    const dtype = quantizedType(zp?.dtype, a.output_dtype);
    checkQuantized(dtype, 'QuantizeLinear');
    if (zp && zp.data.length !== scale.data.length)
      throw new OpError('y_scale and y_zero_point differ in shape');
    const idx = paramIndex(x.shape, scale.shape, a.axis, a.block_size);
    const xv = decodeFloats(x);
    const sv = decodeFloats(scale);
    const round = rounder(a.precision !== 0 ? dtypeOfCode(a.precision) : scale.dtype);
    const q = new Float64Array(xv.length);
    for (let i = 0; i < q.length; i++) q[i] = round(xv[i]! / sv[idx[i]!]!);
    const zpv = zp ? zp.data : undefined;
    return [quantizeInto(q, dtype, zpv ? (i) => Number(zpv[idx[i]!]) : () => 0, x.shape)];
  },
});

export const dequantizeLinear = defineOp({
  type: 'DequantizeLinear',
  attrs: { axis: attr.int(1), block_size: attr.int(0), output_dtype: attr.int(0) },
  arity: { inputs: [2, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const scale = input(ctx, 1);
    checkQuantized(x.dtype, 'DequantizeLinear');
    const dtype = ctx.attrs.output_dtype !== 0 ? dtypeOfCode(ctx.attrs.output_dtype) : scale.dtype;
    if (!isFloat(dtype)) throw new OpError(`DequantizeLinear output must be a float type, not ${dtype}`);
    return [{ dtype, shape: x.shape }];
  },
  reference([x, scale, zp], a) {
    if (!x || !scale) throw new OpError('DequantizeLinear needs x and x_scale');
    checkQuantized(x.dtype, 'DequantizeLinear');
    if (zp && zp.dtype !== x.dtype) throw new OpError('x_zero_point must have the dtype of x');
    const dtype = a.output_dtype !== 0 ? dtypeOfCode(a.output_dtype) : scale.dtype;
    const idx = paramIndex(x.shape, scale.shape, a.axis, a.block_size);
    const sv = decodeFloats(scale);
    const y = new Float64Array(x.data.length);
    // (x - zp) is an exact integer, so one float64 multiply then one rounding to the output type
    // equals the product computed in that type
    for (let i = 0; i < y.length; i++) {
      const z = zp ? Number(zp.data[idx[i]!]) : 0;
      y[i] = (Number(x.data[i]) - z) * sv[idx[i]!]!;
    }
    return [encodeFloats(dtype, x.shape, y)];
  },
});

/** uint8 quantization with a range computed from the data, adjusted to include 0 (spec function body). */
export const dynamicQuantizeLinear = defineOp({
  type: 'DynamicQuantizeLinear',
  attrs: {},
  arity: { inputs: [1, 1], outputs: [3, 3] },
  infer(ctx) {
    const x = input(ctx, 0);
    return [
      { dtype: 'uint8', shape: x.shape },
      { dtype: 'float32', shape: [] },
      { dtype: 'uint8', shape: [] },
    ];
  },
  reference([x]) {
    if (!x) throw new OpError('DynamicQuantizeLinear needs x');
    const xv = decodeFloats(x);
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < xv.length; i++) {
      const v = xv[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const f = Math.fround;
    const scale = f(f(hi === lo ? 1 : hi - lo) / 255);
    const zp = Math.min(255, Math.max(0, roundHalfEven(f(0 - f(lo / scale)))));
    const q = new Float64Array(xv.length);
    for (let i = 0; i < q.length; i++) q[i] = f(xv[i]! / scale);
    const y = quantizeInto(q, 'uint8', () => zp, x.shape);
    const scaleT: Tensor<'float32'> = { dtype: 'float32', shape: [], data: Float32Array.of(scale) };
    const zpT: Tensor<'uint8'> = { dtype: 'uint8', shape: [], data: Uint8Array.of(zp) };
    return [y, scaleT, zpT];
  },
});
