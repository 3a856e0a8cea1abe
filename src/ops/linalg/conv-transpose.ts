import { freshDim, type Dim } from '../../ir/shape.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { kernelOf } from './conv.js';
import { convTransposeFloat } from './conv-kernel.js';
import { floatResult, floatView } from './float-io.js';
import { channelsFirst, channelsLast, shapeFirst, shapeLast } from './layout.js';
import type { Patches } from './patches.js';
import { checkSpatialRank, windowAttrs, windowParams, type AutoPad } from './window.js';

const attrs = {
  ...windowAttrs,
  group: attr.int(1),
  output_padding: attr.ints(),
  output_shape: attr.ints(),
  layout: attr.layout(),
};

interface TransposeAxis {
  readonly out: number;
  readonly begin: number;
}

/**
 * One spatial axis of ConvTranspose (spec equations). With output_shape or SAME auto_pad the total
 * padding follows from the wanted size and may be negative (the output grows with zeros); SAME_UPPER
 * puts the odd unit at the end. Python floor division, as in the ONNX reference.
 */
function transposeAxis(
  input: number,
  k: number,
  s: number,
  d: number,
  outPad: number,
  pads: [number, number],
  autoPad: AutoPad,
  wanted: number | undefined,
): TransposeAxis {
  const natural = s * (input - 1) + outPad + (k - 1) * d + 1;
  const same = autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER';
  if (wanted !== undefined || same) {
    const out = wanted ?? input * s;
    const total = natural - out;
    const half = Math.floor(total / 2);
    return { out, begin: autoPad === 'SAME_UPPER' ? half : total - half };
  }
  const [b, e] = autoPad === 'VALID' ? [0, 0] : pads;
  const out = natural - b - e;
  if (out <= 0) throw new OpError(`ConvTranspose output size ${out} is not positive`);
  return { out, begin: b };
}

interface TransposeAttrs {
  readonly auto_pad: AutoPad;
  readonly dilations: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
  readonly output_padding: readonly number[] | undefined;
  readonly output_shape: readonly number[] | undefined;
}

function wantedShape(a: TransposeAttrs, r: number): readonly number[] | undefined {
  const os = a.output_shape;
  if (!os) return undefined;
  // exporters write either the spatial dims or the full [N, C, ...] shape
  if (os.length === r + 2) return os.slice(2);
  if (os.length !== r) throw new OpError(`ConvTranspose output_shape [${os}] does not fit ${r} spatial axes`);
  return os;
}

function geometry(
  input: readonly number[],
  kernel: readonly number[],
  a: TransposeAttrs,
): { patches: Patches; out: number[] } {
  const r = kernel.length;
  const p = windowParams(kernel, a);
  const op = a.output_padding ?? new Array<number>(r).fill(0);
  if (op.length !== r) throw new OpError(`output_padding [${op}] does not fit ${r} spatial axes`);
  const wanted = wantedShape(a, r);
  const axes = input.map((n, i) =>
    transposeAxis(
      n,
      kernel[i]!,
      p.strides[i]!,
      p.dilations[i]!,
      op[i]!,
      [p.pads[i]!, p.pads[i + r]!],
      a.auto_pad,
      wanted?.[i],
    ),
  );
  const lead = <T>(xs: readonly T[], v: T): T[] => [...new Array<T>(3 - r).fill(v), ...xs];
  const out = axes.map((x) => x.out);
  const patches: Patches = {
    image: lead(out, 1),
    blocks: lead(input, 1),
    kernel: lead(kernel, 1),
    strides: lead(p.strides, 1),
    dilations: lead(p.dilations, 1),
    padBegin: lead(
      axes.map((x) => x.begin),
      0,
    ),
  };
  return { patches, out };
}

export const convTranspose = defineOp({
  type: 'ConvTranspose',
  attrs,
  arity: { inputs: [2, 3], outputs: [1, 1] },
  autoCast: { weights: [1], activations: 'convert' },
  infer(ctx) {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    const a = ctx.attrs;
    if (!x.shape || !w.shape) return [{ dtype: x.dtype, shape: undefined }];
    const xs = shapeFirst(x.shape, a.layout);
    const r = xs.length - 2;
    checkSpatialRank(r, 'ConvTranspose');
    const kernel = kernelOf('ConvTranspose', a, w.shape);
    const mg = w.shape[1]!;
    const m: Dim = typeof mg === 'number' ? mg * a.group : freshDim('channels');
    const spatial = xs.slice(2);
    let outSpatial: Dim[];
    if (spatial.every((d): d is number => typeof d === 'number'))
      outSpatial = geometry(spatial, kernel, a).out;
    else outSpatial = wantedShape(a, r)?.slice() ?? spatial.map(() => freshDim('convT'));
    return [{ dtype: x.dtype, shape: shapeLast([xs[0]!, m, ...outSpatial], a.layout) }];
  },
  reference([x0, w, b], a) {
    if (!x0 || !w) throw new OpError('ConvTranspose needs X and W');
    const x = channelsFirst(x0, a.layout);
    checkSpatialRank(x.shape.length - 2, 'ConvTranspose');
    const kernel = kernelOf('ConvTranspose', a, w.shape);
    if (x.shape[1] !== w.shape[0] || x.shape[1]! % a.group !== 0) {
      throw new OpError(`ConvTranspose: X [${x.shape}] and W [${w.shape}] do not fit group ${a.group}`);
    }
    const { patches, out } = geometry(x.shape.slice(2), kernel, a);
    const bias = b ? decodeFloats(b) : undefined;
    const y = convTransposeFloat(
      floatView(x),
      floatView(w),
      bias,
      { x: x.shape, w: w.shape, group: a.group },
      patches,
    );
    const shape = [x.shape[0]!, w.shape[1]! * a.group, ...out];
    return [channelsLast(floatResult(x0.dtype, shape, y), a.layout)];
  },
});
