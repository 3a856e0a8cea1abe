/**
 * The few statistics a benchmark needs. Latencies are skewed (a run can only be slowed down, by a
 * page fault, a GC or another process), so the bench reports medians and a high percentile, never
 * means; speed-ups over several models are averaged geometrically, as ratios must be.
 */

/** The middle value (the mean of the two middle values for an even count). NaN for no values. */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/**
 * The p-th percentile with linear interpolation between the closest ranks (NumPy's default):
 * position (n - 1) * p / 100 in the sorted values.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** exp(mean(log x)); NaN for no values or any value that is not positive. */
export function geomean(xs: readonly number[]): number {
  if (xs.length === 0 || xs.some((x) => !(x > 0))) return NaN;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/**
 * Element-wise a[i] / b[i], then the median: for samples taken in the same round of an interleaved
 * run, this cancels drift that hits both (another process waking up) instead of averaging it in.
 */
export function medianOfRatios(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  return median(Array.from({ length: n }, (_, i) => a[i]! / b[i]!));
}
