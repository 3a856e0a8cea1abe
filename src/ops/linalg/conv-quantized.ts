import type { Tensor } from '../../ir/tensor.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { convAttrs, convInfer, convReference } from './conv.js';
import { channelsFirst, channelsLast, type Layout } from './layout.js';
import { checkQuantized, quantizeInto, shifted } from './quant-common.js';

/** Per-output-channel index of each weight element ([M, C/group, k...]). */
function filterIndex(w: Tensor, zp: Tensor | undefined): Int32Array {
  const out = new Int32Array(w.data.length);
  if (!zp || zp.data.length === 1) return out;
  const M = w.shape[0]!;
  if (zp.data.length !== M)
    throw new OpError(`per-channel zero point of length ${zp.data.length} for ${M} filters`);
  const per = w.data.length / M;
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(i / per);
  return out;
}

interface IntegerConvAttrs {
  readonly auto_pad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  readonly dilations: readonly number[] | undefined;
  readonly kernel_shape: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
  readonly group: number;
  readonly layout: Layout;
}

/**
 * The exact integer convolution of (x - x_zp) and (w - w_zp), in float64 (sums stay far below
 * 2^53). Padding contributes zero after the shift, i.e. the padded input equals x_zero_point.
 */
function integerConv(
  x0: Tensor,
  xzp: Tensor | undefined,
  w: Tensor,
  wzp: Tensor | undefined,
  bias: Tensor | undefined,
  a: IntegerConvAttrs,
) {
  const x = channelsFirst(x0, a.layout);
  if (xzp && xzp.data.length !== 1) throw new OpError('x_zero_point must be a scalar');
  const xv = shifted(x, xzp, new Int32Array(x.data.length));
  const wv = shifted(w, wzp, filterIndex(w, wzp));
  const bv = bias ? Float64Array.from(bias.data as Int32Array) : undefined;
  return convReference(x, xv, wv, w.shape, bv, a) as { shape: number[]; data: Float64Array };
}

export const convInteger = defineOp({
  type: 'ConvInteger',
  attrs: convAttrs,
  arity: { inputs: [2, 4], outputs: [1, 1] },
  infer: (ctx) => [convInfer('ConvInteger', input(ctx, 0), input(ctx, 1), ctx.attrs, 'int32')],
  reference([x, w, xzp, wzp], a) {
    if (!x || !w) throw new OpError('ConvInteger needs x and w');
    const y = integerConv(x, xzp, w, wzp, undefined, a);
    return [channelsLast({ dtype: 'int32', shape: y.shape, data: Int32Array.from(y.data) }, a.layout)];
  },
});

export const qLinearConv = defineOp({
  type: 'QLinearConv',
  attrs: convAttrs,
  arity: { inputs: [8, 9], outputs: [1, 1] },
  infer(ctx) {
    const dtype = input(ctx, 7).dtype;
    checkQuantized(dtype, 'QLinearConv');
    return [convInfer('QLinearConv', input(ctx, 0), input(ctx, 3), ctx.attrs, dtype)];
  },
  reference([x, xScale, xzp, w, wScale, wzp, yScale, yzp, bias], a) {
    if (!x || !xScale || !w || !wScale || !yScale || !yzp) throw new OpError('QLinearConv needs 8 inputs');
    const y = integerConv(x, xzp, w, wzp, bias, a);
    const xs = decodeFloats(xScale)[0]!;
    const ws = decodeFloats(wScale);
    const ys = decodeFloats(yScale)[0]!;
    const M = y.shape[1]!;
    const plane = y.data.length / (y.shape[0]! * M);
    const f = Math.fround;
    const q = new Float64Array(y.data.length);
    for (let i = 0; i < q.length; i++) {
      const m = Math.floor(i / plane) % M;
      q[i] = y.data[i]! * f(f(xs * ws[ws.length === 1 ? 0 : m]!) / ys);
    }
    const z = Number(yzp.data[0]);
    return [
      channelsLast(
        quantizeInto(q, yzp.dtype, () => z, y.shape),
        a.layout,
      ),
    ];
  },
});
