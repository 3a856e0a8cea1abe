import { freshDim, type Dim, type Shape } from '../../ir/shape.js';
import { stridesOf, type Tensor } from '../../ir/tensor.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxes } from '../support/axes.js';
import { input } from '../support/infer.js';
import { gatherByMaps, linearMap } from './copy.js';
import { constInts, intsOf, isPresent, staticLength } from './dims.js';

/** Where a slice of one axis starts, its step and its length. */
interface AxisRange {
  readonly start: number;
  readonly step: number;
  readonly length: number;
}

/**
 * The spec's clamping: negative starts/ends count from the end, then starts clamp to [0, dim] for
 * positive steps and [0, dim-1] for negative ones, ends to [0, dim] and [-1, dim-1]. INT64_MAX/MIN
 * sentinels arrive as huge doubles and clamp the same way.
 */
export function axisRange(dim: number, start: number, end: number, step: number): AxisRange {
  if (step === 0) throw new OpError('Slice step cannot be 0');
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  const length = Math.max(0, Math.ceil((e - s) / step));
  return { start: s, step, length };
}

interface SliceSpec {
  readonly axes: number[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly steps: readonly number[];
}

function sliceSpec(
  rank: number,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): SliceSpec {
  const n = starts.length;
  if (ends.length !== n) throw new OpError(`Slice has ${n} starts and ${ends.length} ends`);
  const ax = normalizeAxes(axes ?? Array.from({ length: n }, (_, i) => i), rank);
  if (ax.length !== n) throw new OpError(`Slice has ${n} starts and ${ax.length} axes`);
  if (steps && steps.length !== n) throw new OpError(`Slice has ${n} starts and ${steps.length} steps`);
  return { axes: ax, starts, ends, steps: steps ?? new Array<number>(n).fill(1) };
}

/** Huge ends are how exporters write "to the end"; a symbolic dim sliced whole keeps its symbol. */
const TO_THE_END = 2 ** 31 - 1;

function symbolicLength(dim: string, start: number, end: number, step: number): Dim {
  if (step === 1 && start === 0 && end >= TO_THE_END) return dim;
  if (step === -1 && (start === -1 || start >= TO_THE_END) && end <= -TO_THE_END) return dim;
  return freshDim();
}

function slicedShape(shape: Shape, spec: SliceSpec): Dim[] {
  const out = [...shape];
  spec.axes.forEach((a, i) => {
    const d = shape[a]!;
    const [s, e, st] = [spec.starts[i]!, spec.ends[i]!, spec.steps[i]!];
    out[a] = typeof d === 'number' ? axisRange(d, s, e, st).length : symbolicLength(d, s, e, st);
  });
  return out;
}

export function sliceTensor<T extends Tensor>(x: T, spec: SliceSpec): T {
  const strides = stridesOf(x.shape);
  const ranges: AxisRange[] = x.shape.map((d) => ({ start: 0, step: 1, length: d }));
  spec.axes.forEach((a, i) => {
    ranges[a] = axisRange(x.shape[a]!, spec.starts[i]!, spec.ends[i]!, spec.steps[i]!);
  });
  const outShape = ranges.map((r) => r.length);
  return gatherByMaps(
    x,
    outShape,
    ranges.map((r, d) => linearMap(r.length, strides[d]!, r.start, r.step)),
  ) as T;
}

export const Slice = defineOp({
  type: 'Slice',
  attrs: {},
  arity: { inputs: [3, 5], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    if (!x.shape) return [{ dtype: x.dtype, shape: undefined }];
    const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => constInts(ctx, i));
    const missing = !starts || !ends || (isPresent(ctx, 3) && !axes) || (isPresent(ctx, 4) && !steps);
    if (missing) {
      // without the bounds only the untouched axes keep their dims
      const n = staticLength(ctx, 1);
      const touched = axes
        ? normalizeAxes(axes, x.shape.length)
        : !isPresent(ctx, 3) && n !== undefined
          ? Array.from({ length: n }, (_, i) => i)
          : x.shape.map((_, i) => i);
      const set = new Set(touched);
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (set.has(i) ? freshDim() : d)) }];
    }
    return [
      { dtype: x.dtype, shape: slicedShape(x.shape, sliceSpec(x.shape.length, starts, ends, axes, steps)) },
    ];
  },
  reference([x, starts, ends, axes, steps]) {
    if (!x || !starts || !ends) throw new OpError('Slice needs data, starts and ends');
    const spec = sliceSpec(
      x.shape.length,
      intsOf(starts),
      intsOf(ends),
      axes && intsOf(axes),
      steps && intsOf(steps),
    );
    return [sliceTensor(x, spec)];
  },
});
