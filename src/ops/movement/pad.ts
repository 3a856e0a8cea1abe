import { freshDim, type Dim, type Shape } from '../../ir/shape.js';
import { fromNumbers, getNumber, stridesOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxes } from '../support/axes.js';
import { input } from '../support/infer.js';
import { gatherByMaps } from './copy.js';
import { constInts, intsOf, isPresent, maybeShape } from './dims.js';

export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';
const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'edge', 'wrap'];

/** Begin and end pads per axis of the full rank; pads list begins of all listed axes, then ends. */
export function padsPerAxis(
  rank: number,
  pads: readonly number[],
  axes: readonly number[] | undefined,
): [number[], number[]] {
  const ax = axes ? normalizeAxes(axes, rank) : Array.from({ length: rank }, (_, i) => i);
  if (pads.length !== 2 * ax.length) throw new OpError(`Pad has ${pads.length} pads for ${ax.length} axes`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  ax.forEach((a, i) => {
    begin[a] = pads[i]!;
    end[a] = pads[i + ax.length]!;
  });
  return [begin, end];
}

function paddedDim(d: Dim, b: number, e: number): Dim {
  if (typeof d === 'number') {
    if (d + b + e < 0) throw new OpError(`Pad removes more than the ${d} elements of an axis`);
    return d + b + e;
  }
  return b + e === 0 ? d : freshDim();
}

/**
 * Source coordinate for each output coordinate of one axis. Negative pads crop first, and the
 * reflect/edge/wrap modes then read from the cropped range [lo, hi), as onnxruntime does. Reflection
 * past the far edge keeps bouncing (numpy's periodic extension) instead of failing. The Pad lowering
 * turns the same maps into kernels, so both agree by construction.
 */
export function axisSources(dim: number, b: number, e: number, mode: PadMode): Int32Array {
  const lo = Math.max(0, -b);
  const hi = dim - Math.max(0, -e);
  const n = hi - lo;
  const len = dim + b + e;
  const out = new Int32Array(len);
  if (n <= 0 && mode !== 'constant' && len > 0) throw new OpError(`Pad mode ${mode} needs a non-empty axis`);
  for (let o = 0; o < len; o++) {
    const c = o - b;
    if (c >= lo && c < hi) out[o] = c;
    else if (mode === 'constant') out[o] = -1;
    else if (mode === 'edge') out[o] = c < lo ? lo : hi - 1;
    else if (mode === 'wrap') out[o] = lo + ((((c - lo) % n) + n) % n);
    else out[o] = lo + reflect(c - lo, n);
  }
  return out;
}

function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** Turns per-axis source coordinates into premultiplied offsets (padding stays -1). */
function offsetMaps(shape: readonly number[], sources: readonly Int32Array[]): Int32Array[] {
  const strides = stridesOf(shape);
  return sources.map((src, d) => src.map((c) => (c < 0 ? -1 : c * strides[d]!)));
}

/** The fill as a raw storage value of data's dtype (the upgrade of old Pads hands over a float32). */
function fillValue(x: Tensor, value: Tensor | undefined): number | bigint {
  if (!value || value.data.length === 0) return 0;
  if (value.dtype === x.dtype) return value.data[0]!;
  return fromNumbers(x.dtype, [], [getNumber(value, 0)]).data[0]!;
}

export function pad<T extends Tensor>(
  x: T,
  begin: readonly number[],
  end: readonly number[],
  mode: PadMode,
  fill: number | bigint,
): T {
  const sources = x.shape.map((d, i) => axisSources(d, begin[i]!, end[i]!, mode));
  const outShape = sources.map((s) => s.length);
  return gatherByMaps(x, outShape, offsetMaps(x.shape, sources), fill) as T;
}

export const Pad = defineOp({
  type: 'Pad',
  attrs: { mode: attr.string('constant', PAD_MODES) },
  arity: { inputs: [2, 4], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const shape = maybeShape(x, 'Pad data');
    if (!shape) return [{ dtype: x.dtype, shape: undefined }];
    const pads = constInts(ctx, 1);
    const axes = constInts(ctx, 3);
    if (!pads || (isPresent(ctx, 3) && !axes)) {
      const touched = new Set(axes ? normalizeAxes(axes, shape.length) : shape.map((_, i) => i));
      return [{ dtype: x.dtype, shape: shape.map((d, i) => (touched.has(i) ? freshDim() : d)) }];
    }
    const [b, e] = padsPerAxis(shape.length, pads, axes);
    return [{ dtype: x.dtype, shape: shape.map((d, i) => paddedDim(d, b[i]!, e[i]!)) }];
  },
  reference([x, pads, value, axes], attrs) {
    if (!x || !pads) throw new OpError('Pad needs data and pads');
    const [b, e] = padsPerAxis(x.shape.length, intsOf(pads), axes && intsOf(axes));
    return [pad(x, b, e, attrs.mode, fillValue(x, value))];
  },
});

function cropPadAxes(rank: number, target: readonly number[], axes: readonly number[] | undefined): number[] {
  const ax = axes ? normalizeAxes(axes, rank) : Array.from({ length: rank }, (_, i) => i);
  if (ax.length !== target.length)
    throw new OpError(`CenterCropPad has ${target.length} sizes for ${ax.length} axes`);
  return ax;
}

function centerSources(dim: number, size: number): Int32Array {
  const out = new Int32Array(size);
  // odd differences put the extra element at the end, for crops and pads alike
  const shift = size <= dim ? Math.floor((dim - size) / 2) : -Math.floor((size - dim) / 2);
  for (let o = 0; o < size; o++) {
    const c = o + shift;
    out[o] = c >= 0 && c < dim ? c : -1;
  }
  return out;
}

export const CenterCropPad = defineOp({
  type: 'CenterCropPad',
  attrs: { axes: attr.ints() },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const shape: Shape | undefined = maybeShape(x, 'CenterCropPad input');
    if (!shape) return [{ dtype: x.dtype, shape: undefined }];
    const target = constInts(ctx, 1);
    const n = target?.length ?? ctx.attrs.axes?.length ?? shape.length;
    const ax = cropPadAxes(shape.length, target ?? new Array<number>(n).fill(0), ctx.attrs.axes);
    const out: Dim[] = [...shape];
    ax.forEach((a, i) => (out[a] = target ? target[i]! : freshDim()));
    return [{ dtype: x.dtype, shape: out }];
  },
  reference([x, shape], attrs) {
    if (!x || !shape) throw new OpError('CenterCropPad needs input and shape');
    const target = intsOf(shape);
    const sources: Int32Array[] = x.shape.map((d) => Int32Array.from({ length: d }, (_, i) => i));
    cropPadAxes(x.shape.length, target, attrs.axes).forEach(
      (a, i) => (sources[a] = centerSources(x.shape[a]!, target[i]!)),
    );
    return [
      gatherByMaps(
        x,
        sources.map((s) => s.length),
        offsetMaps(x.shape, sources),
        0,
      ),
    ];
  },
});
