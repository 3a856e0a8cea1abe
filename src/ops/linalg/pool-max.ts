import { freshDim, type Dim } from '../../ir/shape.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { constantNumbers, input } from '../support/infer.js';
import { floatResult, floatView } from './float-io.js';
import { channelsFirst, channelsLast, shapeFirst, shapeLast } from './layout.js';
import { maxPoolFloat } from './pool-kernel.js';
import { globalInfer, planesOf, poolInfer, poolWindow } from './pool-shape.js';
import { to3d, windowAttrs, windowParams } from './window.js';

export const maxPool = defineOp({
  type: 'MaxPool',
  attrs: { ...windowAttrs, ceil_mode: attr.int(0), storage_order: attr.int(0), layout: attr.layout() },
  arity: { inputs: [1, 1], outputs: [1, 2] },
  infer(ctx) {
    const y = poolInfer('MaxPool', input(ctx, 0), ctx.attrs);
    return ctx.outputCount > 1 ? [y, { dtype: 'int64', shape: y.shape }] : [y];
  },
  reference([x0], a, outputCount) {
    if (!x0) throw new OpError('MaxPool needs X');
    const x = channelsFirst(x0, a.layout);
    const win = poolWindow('MaxPool', x, a);
    const [ID, IH, IW] = to3d(win).input as [number, number, number];
    // Indices count the flattened input; storage_order 1 flattens the spatial dims column-major
    const flat =
      a.storage_order === 0
        ? (d: number, h: number, w: number) => (d * IH + h) * IW + w
        : (d: number, h: number, w: number) => d + h * ID + w * ID * IH;
    const { planes, plane } = planesOf(x.shape);
    const { y, arg } = maxPoolFloat(floatView(x), planes, win, outputCount > 1 ? flat : undefined);
    const outShape = [x.shape[0]!, x.shape[1]!, ...win.output];
    const outs: Tensor[] = [channelsLast(floatResult(x0.dtype, outShape, y), a.layout)];
    if (arg)
      outs.push(
        channelsLast(indicesTensor(arg, outShape, plane, x.shape[1]!, a.layout === 'NHWC'), a.layout),
      );
    return outs;
  },
});

/** Global flat indices: NCHW order, or NHWC order for a channels-last node. */
function indicesTensor(
  arg: Float64Array,
  outShape: number[],
  plane: number,
  C: number,
  nhwc: boolean,
): Tensor<'int64'> {
  const sOut = sizeOf(outShape.slice(2));
  const data = new BigInt64Array(arg.length);
  for (let o = 0; o < arg.length; o++) {
    const pl = Math.floor(o / sOut);
    const pos = arg[o]!;
    const v = nhwc ? (Math.floor(pl / C) * plane + pos) * C + (pl % C) : pl * plane + pos;
    data[o] = BigInt(v);
  }
  return { dtype: 'int64', shape: outShape, data };
}

export const globalMaxPool = defineOp({
  type: 'GlobalMaxPool',
  attrs: { layout: attr.layout() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer: (ctx) => [globalInfer(input(ctx, 0), ctx.attrs.layout)],
  reference([x0], a) {
    if (!x0) throw new OpError('GlobalMaxPool needs X');
    const x = channelsFirst(x0, a.layout);
    const { planes, plane } = planesOf(x.shape);
    const xv = floatView(x);
    const y = new Float64Array(planes);
    for (let p = 0; p < planes; p++) {
      let m = -Infinity;
      for (let i = p * plane; i < (p + 1) * plane; i++) {
        const v = xv[i]!;
        if (v > m || v !== v) m = v;
        if (m !== m) break;
      }
      y[p] = m;
    }
    const shape = [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)];
    return [channelsLast(floatResult(x0.dtype, shape, y), a.layout)];
  },
});

/** MaxUnpool's default output: the input size a MaxPool of this geometry would have read. */
function unpoolSpatial(input: readonly number[], kernel: readonly number[], a: UnpoolAttrs): number[] {
  const p = windowParams(kernel, {
    auto_pad: 'NOTSET',
    dilations: undefined,
    pads: a.pads,
    strides: a.strides,
  });
  const r = kernel.length;
  return input.map((n, i) => (n - 1) * p.strides[i]! + kernel[i]! - p.pads[i]! - p.pads[i + r]!);
}

interface UnpoolAttrs {
  readonly kernel_shape: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
}

export const maxUnpool = defineOp({
  type: 'MaxUnpool',
  attrs: { kernel_shape: attr.ints(), pads: attr.ints(), strides: attr.ints(), layout: attr.layout() },
  arity: { inputs: [2, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const a = ctx.attrs;
    if (!a.kernel_shape) throw new OpError('MaxUnpool requires kernel_shape');
    if (ctx.inputs[2]) {
      const wanted = constantNumbers(ctx, 2);
      const rank = ctx.inputs[2].shape?.[0];
      if (wanted) return [{ dtype: x.dtype, shape: wanted }];
      if (typeof rank !== 'number') return [{ dtype: x.dtype, shape: undefined }];
      return [{ dtype: x.dtype, shape: Array.from({ length: rank }, () => freshDim('unpool')) }];
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: undefined }];
    const xs = shapeFirst(x.shape, a.layout);
    const spatial = xs.slice(2);
    const out: Dim[] = spatial.every((d): d is number => typeof d === 'number')
      ? unpoolSpatial(spatial, a.kernel_shape, a)
      : spatial.map(() => freshDim('unpool'));
    return [{ dtype: x.dtype, shape: shapeLast([xs[0]!, xs[1]!, ...out], a.layout) }];
  },
  reference([x, indices, outputShape], a) {
    if (!x || !indices) throw new OpError('MaxUnpool needs X and I');
    if (!a.kernel_shape) throw new OpError('MaxUnpool requires kernel_shape');
    const xs = shapeFirst(x.shape, a.layout) as number[];
    const natural = shapeLast(
      [xs[0]!, xs[1]!, ...unpoolSpatial(xs.slice(2), a.kernel_shape, a)],
      a.layout,
    ) as number[];
    const shape = outputShape ? Array.from(outputShape.data as BigInt64Array, Number) : natural;
    if (shape.length !== natural.length)
      throw new OpError(`MaxUnpool output_shape [${shape}] has the wrong rank`);
    // Indices address the natural (unpadded) output; a larger output_shape keeps their coordinates
    const remap = coordinateRemap(natural, shape);
    const xv = floatView(x);
    const y = xv instanceof Float64Array ? new Float64Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
    for (let i = 0; i < xv.length; i++) {
      const at = remap(Number(indices.data[i]!));
      if (at < 0 || at >= y.length)
        throw new OpError(`MaxUnpool index ${indices.data[i]} is outside the output [${shape}]`);
      y[at] = xv[i]!;
    }
    return [floatResult(x.dtype, shape, y)];
  },
});

/** Maps a flat index of shape `from` to the flat index of the same coordinates in shape `to`. */
function coordinateRemap(from: readonly number[], to: readonly number[]): (i: number) => number {
  if (from.every((d, k) => d === to[k])) return (i) => i;
  return (i) => {
    let rest = i;
    let out = 0;
    let scale = 1;
    for (let k = from.length - 1; k >= 0; k--) {
      const c = rest % from[k]!;
      rest = Math.floor(rest / from[k]!);
      if (c >= to[k]!) return -1;
      out += c * scale;
      scale *= to[k]!;
    }
    return rest === 0 ? out : -1;
  };
}
