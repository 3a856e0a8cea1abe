import { freshDim, type Dim } from '../../ir/shape.js';
import { attr } from '../attributes.js';
import { OpError, OpUnsupported } from '../op.js';

/**
 * Sliding-window geometry shared by Conv, ConvTranspose, the pools and Col2Im: the output size of
 * each spatial axis and the padding actually applied, after auto_pad and ceil_mode.
 */
export const windowAttrs = {
  auto_pad: attr.string('NOTSET', ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']),
  dilations: attr.ints(),
  kernel_shape: attr.ints(),
  pads: attr.ints(),
  strides: attr.ints(),
};

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export interface WindowAttrs {
  readonly auto_pad: AutoPad;
  readonly dilations: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
}

/** Resolved static geometry of one node; every array has one entry per spatial axis. */
export interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padBegin: readonly number[];
  readonly padEnd: readonly number[];
  readonly input: readonly number[];
  readonly output: readonly number[];
}

export interface WindowParams {
  readonly strides: number[];
  readonly dilations: number[];
  readonly pads: number[];
}

export function windowParams(kernel: readonly number[], a: WindowAttrs): WindowParams {
  const r = kernel.length;
  const strides = a.strides ? [...a.strides] : new Array<number>(r).fill(1);
  const dilations = a.dilations ? [...a.dilations] : new Array<number>(r).fill(1);
  const pads = a.pads ? [...a.pads] : new Array<number>(2 * r).fill(0);
  if (strides.length !== r || dilations.length !== r || pads.length !== 2 * r) {
    throw new OpError(`strides/dilations/pads do not match ${r} spatial axes`);
  }
  if (kernel.some((k) => k < 1) || strides.some((s) => s < 1) || dilations.some((d) => d < 1)) {
    throw new OpError('kernel_shape, strides and dilations must be positive');
  }
  if (pads.some((p) => p < 0)) throw new OpError(`negative pads [${pads}]`);
  return { strides, dilations, pads };
}

/** Parameters of a window over these spatial axes, one kernel dim each. */
function checkedParams(input: readonly Dim[], kernel: readonly number[], a: WindowAttrs): WindowParams {
  if (input.length !== kernel.length)
    throw new OpError(`kernel of rank ${kernel.length} for ${input.length} spatial axes`);
  return windowParams(kernel, a);
}

/** Output size and padding of spatial axis i, of known input size. */
function axis(
  input: number,
  i: number,
  kernel: readonly number[],
  p: WindowParams,
  autoPad: AutoPad,
  ceilMode: boolean,
): { out: number; begin: number; end: number } {
  const s = p.strides[i]!;
  const ext = (kernel[i]! - 1) * p.dilations[i]! + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = Math.ceil(input / s);
    const total = Math.max(0, (out - 1) * s + ext - input);
    const small = Math.floor(total / 2);
    // SAME_UPPER puts the odd pad at the end, SAME_LOWER at the beginning
    return autoPad === 'SAME_UPPER'
      ? { out, begin: small, end: total - small }
      : { out, begin: total - small, end: small };
  }
  const [begin, end] = autoPad === 'VALID' ? [0, 0] : [p.pads[i]!, p.pads[i + kernel.length]!];
  const span = input + begin + end - ext;
  if (span < 0)
    throw new OpError(`window of extent ${ext} does not fit input ${input} padded by ${begin}+${end}`);
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ceil_mode: a window that would start inside the end padding is dropped (spec, opset 19+)
  if (ceilMode && (out - 1) * s >= input + begin) out--;
  return { out, begin, end };
}

export function resolveWindow(
  input: readonly number[],
  kernel: readonly number[],
  a: WindowAttrs,
  ceilMode = false,
): Window {
  const p = checkedParams(input, kernel, a);
  const output: number[] = [];
  const padBegin: number[] = [];
  const padEnd: number[] = [];
  for (let i = 0; i < kernel.length; i++) {
    const ax = axis(input[i]!, i, kernel, p, a.auto_pad, ceilMode);
    output.push(ax.out);
    padBegin.push(ax.begin);
    padEnd.push(ax.end);
  }
  return { kernel, strides: p.strides, dilations: p.dilations, padBegin, padEnd, input, output };
}

/** Output spatial dims for shape inference; a symbolic input keeps its symbol when the axis maps 1:1. */
export function windowOutputDims(
  input: readonly Dim[],
  kernel: readonly number[],
  a: WindowAttrs,
  ceilMode = false,
): Dim[] {
  const p = checkedParams(input, kernel, a);
  const r = kernel.length;
  return input.map((dim, i) => {
    if (typeof dim === 'number') return axis(dim, i, kernel, p, a.auto_pad, ceilMode).out;
    const s = p.strides[i]!;
    const ext = (kernel[i]! - 1) * p.dilations[i]! + 1;
    const same = a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER';
    const padTotal = a.auto_pad === 'NOTSET' ? p.pads[i]! + p.pads[i + r]! : 0;
    if (s === 1 && (same || ext - padTotal === 1)) return dim;
    return freshDim(dim);
  });
}

/** Spatial ranks the reference kernels handle (they normalize everything to 3-D). */
export function checkSpatialRank(r: number, op: string): void {
  if (r < 1) throw new OpError(`${op} needs at least one spatial axis`);
  if (r > 3) throw new OpUnsupported(`${op} with ${r} spatial axes`);
}

/** The geometry padded with leading unit axes to exactly 3 spatial dims. */
export function to3d(w: Window): Window {
  const lead = 3 - w.kernel.length;
  const pad = (xs: readonly number[], v: number) => [...new Array<number>(lead).fill(v), ...xs];
  return {
    kernel: pad(w.kernel, 1),
    strides: pad(w.strides, 1),
    dilations: pad(w.dilations, 1),
    padBegin: pad(w.padBegin, 0),
    padEnd: pad(w.padEnd, 0),
    input: pad(w.input, 1),
    output: pad(w.output, 1),
  };
}

/**
 * For each output index o of one axis, the contiguous range [lo, hi) of kernel taps that land
 * inside the input: precomputed so kernels never bounds-check per element.
 */
export function tapRanges(w: Window, axisIndex: number): { lo: Int32Array; hi: Int32Array } {
  const out = w.output[axisIndex]!;
  const k = w.kernel[axisIndex]!;
  const s = w.strides[axisIndex]!;
  const d = w.dilations[axisIndex]!;
  const n = w.input[axisIndex]!;
  const pb = w.padBegin[axisIndex]!;
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * s - pb;
    // smallest j with start + j*d >= 0, largest j with start + j*d < n
    const first = start >= 0 ? 0 : Math.ceil(-start / d);
    const last = Math.min(k, Math.floor((n - 1 - start) / d) + 1);
    lo[o] = Math.min(first, k);
    hi[o] = Math.max(last, lo[o]!);
  }
  return { lo, hi };
}
