import type { DType } from '../../../ir/dtype.js';
import { fromNumbers, getNumber } from '../../../ir/tensor.js';
import { axisSources, padsPerAxis, type PadMode } from '../../../ops/movement/pad.js';
import { axisRange } from '../../../ops/movement/slice.js';
import { OpError } from '../../../ops/op.js';
import { normalizeAxes } from '../../../ops/support/axes.js';
import { compare, computeType, constant, convert, load } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import type { LowerContext, Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  bitsDType,
  constantInts,
  copyNest,
  inputOf,
  kernelOf,
  kernelsOf,
  outputOf,
  rawConstant,
  widthName,
} from './common.js';
import { mapCopy } from './maps.js';
import { rowMajor } from './nest.js';

/** Slice (any steps, negative included), Pad (every mode) and CenterCropPad. */

function slice(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Slice data');
  const out = outputOf(ctx);
  const [starts, ends] = [1, 2].map((i) => constantInts(ctx, i, 'Slice bounds'));
  const rank = x.shape.length;
  const axes = ctx.inputs[3] ? constantInts(ctx, 3, 'Slice axes') : starts!.map((_, i) => i);
  const steps = ctx.inputs[4] ? constantInts(ctx, 4, 'Slice steps') : starts!.map(() => 1);
  const strides = rowMajor(x.shape);
  const start = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  normalizeAxes(axes, rank).forEach((a, i) => {
    const r = axisRange(x.shape[a]!, starts![i]!, ends![i]!, steps[i]!);
    start[a] = r.start;
    step[a] = r.step;
  });
  const nest = {
    extents: out.shape,
    accesses: [
      { offset: 0, strides: rowMajor(out.shape) },
      {
        offset: start.reduce((s, c, d) => s + c * strides[d]!, 0),
        strides: step.map((s, d) => s * strides[d]!),
      },
    ],
  };
  const body = copyNest(out.buffer, x.buffer, x.dtype, nest, ctx.fresh('s'));
  return { kernels: [kernelOf(ctx, `slice_${widthName(x.dtype)}`, body, [x.buffer], [out.buffer])] };
}

interface Fill {
  readonly value: Expr;
  readonly storeAs: DType;
}

/**
 * Pad's constant_value: absent or empty is zero; a constant is baked in as the reference converts
 * it; a run-time scalar is a load at a fixed address inside the fill loops (uniform: the renderer
 * reads it once per vector step and splats it), as bits when it has data's dtype.
 */
function padValue(ctx: LowerContext, dtype: DType): Fill {
  const v = ctx.inputs[2];
  const zero = { value: rawConstant(dtype, 0), storeAs: bitsDType(dtype) };
  if (!v || v.shape.reduce((a, b) => a * b, 1) === 0) return zero;
  if (v.constant) {
    const t = v.constant;
    const raw = t.dtype === dtype ? t.data[0]! : fromNumbers(dtype, [], [getNumber(t, 0)]).data[0]!;
    return { ...zero, value: rawConstant(dtype, raw) };
  }
  const scalar = { terms: [], offset: 0 };
  if (v.dtype === dtype)
    return { value: load(v.buffer, bitsDType(dtype), scalar), storeAs: bitsDType(dtype) };
  const [from, to] = [computeType(v.dtype), computeType(dtype)];
  const x = load(v.buffer, v.dtype, scalar);
  const value =
    dtype === 'bool' ? compare('ne', from, x, constant(from, from === 'i64' ? 0n : 0)) : convert(from, to, x);
  return { value, storeAs: dtype };
}

function pad(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Pad data');
  const mode = ctx.attrs.mode as PadMode;
  const pads = constantInts(ctx, 1, 'Pad pads');
  const axes = ctx.inputs[3] ? constantInts(ctx, 3, 'Pad axes') : undefined;
  const [b, e] = padsPerAxis(x.shape.length, pads, axes);
  if (ctx.outputs[0]!.shape.reduce((p, d) => p * d, 1) === 0) return { kernels: [] };
  const maps = x.shape.map((d, i) => axisSources(d, b[i]!, e[i]!, mode));
  const fill = mode === 'constant' ? padValue(ctx, x.dtype) : undefined;
  return mapKernel(ctx, `pad_${mode}_${widthName(x.dtype)}`, maps, fill);
}

function mapKernel(ctx: LowerContext, name: string, maps: Int32Array[], fill: Fill | undefined): Lowered {
  const x = inputOf(ctx, 0, 'data');
  const out = outputOf(ctx);
  const copy = mapCopy({
    ctx,
    dst: out.buffer,
    src: x.buffer,
    dtype: x.dtype,
    outShape: out.shape,
    inShape: x.shape,
    maps,
    ...(fill ? { fill: fill.value, fillAs: fill.storeAs } : {}),
  });
  return { kernels: kernelsOf(ctx, name, copy.body) };
}

/** Odd differences put the extra element at the end, for crops and pads alike. */
function centerSources(dim: number, size: number): Int32Array {
  const out = new Int32Array(size);
  const shift = size <= dim ? Math.floor((dim - size) / 2) : -Math.floor((size - dim) / 2);
  for (let o = 0; o < size; o++) {
    const c = o + shift;
    out[o] = c >= 0 && c < dim ? c : -1;
  }
  return out;
}

function centerCropPad(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'CenterCropPad input');
  const target = constantInts(ctx, 1, 'CenterCropPad shape');
  const axesAttr = ctx.attrs.axes as number[] | undefined;
  const axes = axesAttr ? normalizeAxes(axesAttr, x.shape.length) : x.shape.map((_, i) => i);
  if (axes.length !== target.length)
    throw new OpError(`CenterCropPad has ${target.length} sizes for ${axes.length} axes`);
  const maps: Int32Array[] = x.shape.map((d) => Int32Array.from({ length: d }, (_, i) => i));
  axes.forEach((a, i) => (maps[a] = centerSources(x.shape[a]!, target[i]!)));
  const zero = { value: rawConstant(x.dtype, 0), storeAs: bitsDType(x.dtype) };
  return mapKernel(ctx, `centercroppad_${widthName(x.dtype)}`, maps, zero);
}

registerLowerings({ Slice: slice, Pad: pad, CenterCropPad: centerCropPad });
