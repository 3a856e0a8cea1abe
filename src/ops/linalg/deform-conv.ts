import { attr } from '../attributes.js';
import { defineOp, OpError, OpUnsupported } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { addChannelBias } from './conv-kernel.js';
import { floatResult } from './float-io.js';
import { gemm, view } from './gemm-kernel.js';
import { channelsFirst, channelsLast, shapeFirst, shapeLast } from './layout.js';
import { resolveWindow, windowOutputDims, type Window } from './window.js';

/**
 * DeformConv (2-D): each kernel tap samples X bilinearly at its regular position plus a learned
 * offset, scaled by an optional mask; then an ordinary grouped GEMM with the weights. Samples
 * outside the image read zero (torchvision semantics, which the ONNX reference follows).
 */
const attrs = {
  dilations: attr.ints(),
  group: attr.int(1),
  kernel_shape: attr.ints(),
  offset_group: attr.int(1),
  pads: attr.ints(),
  strides: attr.ints(),
  layout: attr.layout(),
};

function bilinear(x: Float64Array, base: number, H: number, W: number, h: number, w: number): number {
  if (!(h > -1 && h < H && w > -1 && w < W)) return 0;
  const h0 = Math.floor(h);
  const w0 = Math.floor(w);
  const lh = h - h0;
  const lw = w - w0;
  const at = (r: number, c: number) => (r >= 0 && r < H && c >= 0 && c < W ? x[base + r * W + c]! : 0);
  return (
    (1 - lh) * (1 - lw) * at(h0, w0) +
    (1 - lh) * lw * at(h0, w0 + 1) +
    lh * (1 - lw) * at(h0 + 1, w0) +
    lh * lw * at(h0 + 1, w0 + 1)
  );
}

interface Sampling {
  readonly x: Float64Array;
  readonly offset: Float64Array;
  readonly mask: Float64Array | undefined;
  readonly C: number;
  readonly offsetGroups: number;
  readonly win: Window;
}

/** The deformed column matrix [C*kH*kW, oH*oW] of image n. */
function deformedColumns(s: Sampling, n: number): Float64Array {
  const [H, W] = s.win.input as [number, number];
  const [oH, oW] = s.win.output as [number, number];
  const [kH, kW] = s.win.kernel as [number, number];
  const [sh, sw] = s.win.strides as [number, number];
  const [dh, dw] = s.win.dilations as [number, number];
  const [ph, pw] = s.win.padBegin as [number, number];
  const taps = kH * kW;
  const plane = oH * oW;
  const perGroup = s.C / s.offsetGroups;
  const col = new Float64Array(s.C * taps * plane);
  for (let c = 0; c < s.C; c++) {
    const g = Math.floor(c / perGroup);
    const xBase = (n * s.C + c) * H * W;
    for (let t = 0; t < taps; t++) {
      const i = Math.floor(t / kW);
      const j = t % kW;
      const offH = ((n * s.offsetGroups + g) * 2 * taps + 2 * t) * plane;
      const offW = offH + plane;
      const maskBase = ((n * s.offsetGroups + g) * taps + t) * plane;
      const row = (c * taps + t) * plane;
      for (let oh = 0; oh < oH; oh++) {
        for (let ow = 0; ow < oW; ow++) {
          const o = oh * oW + ow;
          const h = oh * sh - ph + i * dh + s.offset[offH + o]!;
          const w = ow * sw - pw + j * dw + s.offset[offW + o]!;
          const v = bilinear(s.x, xBase, H, W, h, w);
          col[row + o] = s.mask ? v * s.mask[maskBase + o]! : v;
        }
      }
    }
  }
  return col;
}

export const deformConv = defineOp({
  type: 'DeformConv',
  attrs,
  arity: { inputs: [3, 5], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    if (!x.shape || !w.shape) return [{ dtype: x.dtype, shape: undefined }];
    if (x.shape.length !== 4) throw new OpUnsupported('DeformConv is implemented for 2-D images only');
    const kernel = ctx.attrs.kernel_shape ?? w.shape.slice(2);
    if (!kernel.every((d): d is number => typeof d === 'number')) {
      throw new OpError('DeformConv kernel shape is not static');
    }
    const xs = shapeFirst(x.shape, ctx.attrs.layout);
    const spatial = windowOutputDims(xs.slice(2), kernel, { auto_pad: 'NOTSET', ...ctx.attrs });
    return [{ dtype: x.dtype, shape: shapeLast([xs[0]!, w.shape[0]!, ...spatial], ctx.attrs.layout) }];
  },
  reference([x0, w, offset0, b, mask0], a) {
    if (!x0 || !w || !offset0) throw new OpError('DeformConv needs X, W and offset');
    // NHWC: X, offset and mask are all channels-last activations
    const x = channelsFirst(x0, a.layout);
    const offset = channelsFirst(offset0, a.layout);
    const mask = mask0 && channelsFirst(mask0, a.layout);
    if (x.shape.length !== 4) throw new OpUnsupported('DeformConv is implemented for 2-D images only');
    const kernel = a.kernel_shape ?? w.shape.slice(2);
    const win = resolveWindow(x.shape.slice(2), kernel, { auto_pad: 'NOTSET', ...a });
    const [N, C] = x.shape as [number, number];
    const M = w.shape[0]!;
    const G = a.group;
    if (C % G !== 0 || M % G !== 0 || w.shape[1]! * G !== C)
      throw new OpError(`DeformConv: X [${x.shape}] W [${w.shape}] group ${G}`);
    if (C % a.offset_group !== 0)
      throw new OpError(`DeformConv: ${C} channels in ${a.offset_group} offset groups`);
    const f64 = (t: typeof x) => Float64Array.from(decodeFloats(t));
    const s: Sampling = {
      x: f64(x),
      offset: f64(offset),
      mask: mask ? f64(mask) : undefined,
      C,
      offsetGroups: a.offset_group,
      win,
    };
    const wv = f64(w);
    const plane = win.output[0]! * win.output[1]!;
    const K = (C / G) * kernel[0]! * kernel[1]!;
    const Mg = M / G;
    const y = new Float64Array(N * M * plane);
    for (let n = 0; n < N; n++) {
      const col = deformedColumns(s, n);
      for (let g = 0; g < G; g++) {
        gemm(
          Mg,
          plane,
          K,
          view(wv, g * Mg * K, K),
          view(col, g * K * plane, plane),
          view(y, (n * M + g * Mg) * plane, plane),
        );
      }
    }
    if (b) addChannelBias(y, decodeFloats(b), N, M, plane);
    return [channelsLast(floatResult(x.dtype, [N, M, ...win.output], y), a.layout)];
  },
});
