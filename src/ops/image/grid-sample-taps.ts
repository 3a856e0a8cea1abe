/**
 * GridSample along one spatial dim: from a normalized grid value to input indices and weights,
 * following the ONNX reference (itself PyTorch's GridSampler). The reference keeps coordinates in
 * float32, so the rounding decisions (nearest, floor, bounds) are made on float32 values here too.
 */
export type SampleMode = 'linear' | 'nearest' | 'cubic';
export type PaddingMode = 'zeros' | 'border' | 'reflection';

export interface SampleOptions {
  readonly mode: SampleMode;
  readonly padding: PaddingMode;
  readonly alignCorners: boolean;
}

const f = Math.fround;
const CUBIC_A = -0.75;

function denormalize(g: number, len: number, align: boolean): number {
  return align ? f(f(f(g + 1) / 2) * (len - 1)) : f(f(f(f(g + 1) * len) - 1) / 2);
}

/**
 * Nearest rounds half to even (nearbyint) in every rank: the 3-D conformance data agrees, although
 * older ONNX reference code used std::round there.
 */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Reflects x into [lo, hi] by folding at the nearer border until it lands inside. */
function reflect(x: number, lo: number, hi: number): number {
  const range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const dx = lo - x;
    const n = Math.trunc(dx / range);
    const r = dx - n * range;
    return n % 2 === 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const dx = x - hi;
    const n = Math.trunc(dx / range);
    const r = dx - n * range;
    return n % 2 === 0 ? hi - r : lo + r;
  }
  return x;
}

/**
 * Fills index/weight from position `at` with this dim's taps and returns their count. An index of
 * -1 is a zero-padded pixel.
 */
export function sampleTaps(
  o: SampleOptions,
  g: number,
  len: number,
  index: Int32Array,
  weight: Float64Array,
  at: number,
): number {
  const lo = o.alignCorners ? 0 : -0.5;
  const hi = o.alignCorners ? len - 1 : len - 0.5;
  let x = denormalize(g, len, o.alignCorners);
  if (o.mode === 'nearest') x = roundHalfEven(x);
  if (x < lo || x > hi) {
    if (o.padding === 'border') x = Math.min(Math.max(x, 0), len - 1);
    else if (o.padding === 'reflection') x = f(reflect(x, lo, hi));
  }
  if (o.mode === 'nearest') {
    index[at] = pixel(o.padding, Math.trunc(x), len, lo, hi);
    weight[at] = 1;
    return 1;
  }
  const x0 = Math.floor(x);
  const t = f(x - x0);
  if (o.mode === 'linear') {
    index[at] = pixel(o.padding, x0, len, lo, hi);
    index[at + 1] = pixel(o.padding, x0 + 1, len, lo, hi);
    weight[at] = f(1 - t);
    weight[at + 1] = t;
    return 2;
  }
  const a = CUBIC_A;
  const t1 = t + 1;
  const u = 1 - t;
  const u1 = 2 - t;
  weight[at] = f(((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a);
  weight[at + 1] = f(((a + 2) * t - (a + 3)) * t * t + 1);
  weight[at + 2] = f(((a + 2) * u - (a + 3)) * u * u + 1);
  weight[at + 3] = f(((a * u1 - 5 * a) * u1 + 8 * a) * u1 - 4 * a);
  for (let k = 0; k < 4; k++) index[at + k] = pixel(o.padding, x0 - 1 + k, len, lo, hi);
  return 4;
}

/** The input index a tap reads under the padding mode, or -1 for a zero pixel. */
function pixel(padding: PaddingMode, i: number, len: number, lo: number, hi: number): number {
  if (i >= 0 && i < len) return i;
  if (padding === 'zeros') return -1;
  if (padding === 'border') return i < 0 ? 0 : len - 1;
  const r = Math.trunc(reflect(i, lo, hi));
  return r < 0 ? 0 : r >= len ? len - 1 : r;
}
