import type { DType } from '../../ir/dtype.js';
import { freshDim, type Dim, type Shape, type TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { convFloat } from './conv-kernel.js';
import { floatResult, floatView } from './float-io.js';
import { channelsFirst, channelsLast, shapeFirst, shapeLast, type Layout } from './layout.js';
import { convPatches } from './patches.js';
import {
  checkSpatialRank,
  resolveWindow,
  windowAttrs,
  windowOutputDims,
  type WindowAttrs,
} from './window.js';

export const convAttrs = { ...windowAttrs, group: attr.int(1), layout: attr.layout() };

interface ConvLikeAttrs extends WindowAttrs {
  readonly kernel_shape: readonly number[] | undefined;
  readonly group: number;
  readonly layout: Layout;
}

/** kernel_shape, or the weight's spatial dims when the attribute is omitted. */
export function kernelOf(
  op: string,
  a: { kernel_shape: readonly number[] | undefined },
  wShape: Shape,
): readonly number[] {
  const k = a.kernel_shape ?? wShape.slice(2);
  if (!k.every((d): d is number => typeof d === 'number'))
    throw new OpError(`${op}: kernel shape [${k}] is not static`);
  return k;
}

/** Output type of Conv-like ops: [N, M, ...windowed spatial] in the node's layout. */
export function convInfer(
  op: string,
  x: TensorType,
  w: TensorType,
  a: ConvLikeAttrs,
  dtype: DType,
): TensorType {
  if (!x.shape || !w.shape) return { dtype, shape: undefined };
  const xs = shapeFirst(x.shape, a.layout);
  checkSpatialRank(xs.length - 2, op);
  if (w.shape.length !== xs.length) {
    throw new OpError(`${op}: weight rank ${w.shape.length} != input rank ${xs.length}`);
  }
  const k = a.kernel_shape ?? w.shape.slice(2);
  const c = xs[1]!;
  const wc = w.shape[1]!;
  if (typeof c === 'number' && typeof wc === 'number' && c !== wc * a.group) {
    throw new OpError(`${op}: input has ${c} channels, weight expects ${wc} x group ${a.group}`);
  }
  const m = w.shape[0]!;
  if (typeof m === 'number' && m % a.group !== 0) {
    throw new OpError(`${op}: ${m} filters do not split into ${a.group} groups`);
  }
  // a weight of unknown spatial size (a graph input) gives data-dependent output sizes
  const spatial = k.every((d): d is number => typeof d === 'number')
    ? windowOutputDims(xs.slice(2), k, a)
    : xs.slice(2).map(() => freshDim('conv'));
  const out: Dim[] = [xs[0]!, m, ...spatial];
  return { dtype, shape: shapeLast(out, a.layout) };
}

export const conv = defineOp({
  type: 'Conv',
  attrs: convAttrs,
  arity: { inputs: [2, 3], outputs: [1, 1] },
  autoCast: { weights: [1], activations: 'convert' },
  infer(ctx) {
    const x = input(ctx, 0);
    return [convInfer('Conv', x, input(ctx, 1), ctx.attrs, x.dtype)];
  },
  reference([x, w, b], a) {
    if (!x || !w) throw new OpError('Conv needs X and W');
    const xf = channelsFirst(x, a.layout);
    const y = convReference(xf, floatView(xf), floatView(w), w.shape, b ? decodeFloats(b) : undefined, a);
    return [channelsLast(floatResult(x.dtype, y.shape, y.data), a.layout)];
  },
});

/** A channels-first conv on float views; shared by Conv, ConvInteger and QLinearConv. */
export function convReference(
  x: Tensor,
  xv: Float32Array | Float64Array,
  wv: Float32Array | Float64Array,
  wShape: readonly number[],
  bias: Float32Array | Float64Array | undefined,
  a: ConvLikeAttrs,
): { shape: number[]; data: Float32Array | Float64Array } {
  checkSpatialRank(x.shape.length - 2, 'Conv');
  const kernel = kernelOf('Conv', a, wShape);
  const [N, C] = x.shape as [number, number];
  if (C !== wShape[1]! * a.group || wShape[0]! % a.group !== 0) {
    throw new OpError(`Conv: X [${x.shape}] and W [${wShape}] do not fit group ${a.group}`);
  }
  if (bias && bias.length !== wShape[0])
    throw new OpError(`Conv: bias has ${bias.length} values for ${wShape[0]} filters`);
  const win = resolveWindow(x.shape.slice(2), kernel, a);
  const data = convFloat(xv, wv, bias, { x: x.shape, w: wShape, group: a.group }, convPatches(win));
  return { shape: [N, wShape[0]!, ...win.output], data };
}
