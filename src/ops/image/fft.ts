/**
 * Complex FFT of any length in float64, unnormalized: forward uses e^{-2 pi i k n / N}, inverse
 * e^{+2 pi i k n / N}. Powers of two run an iterative radix-2 transform; other lengths use
 * Bluestein's chirp-z algorithm on a power-of-two transform, so an n_fft of 400 (common in audio
 * front ends) costs O(n log n) rather than O(n^2).
 */
export class Fft {
  readonly n: number;
  private readonly radix2: Radix2 | undefined;
  private readonly bluestein: Bluestein | undefined;

  constructor(n: number) {
    this.n = n;
    if (isPowerOfTwo(n)) this.radix2 = new Radix2(n);
    else this.bluestein = new Bluestein(n);
  }

  /** Transforms (re, im) in place. */
  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    if (this.n <= 1) return;
    if (this.radix2) this.radix2.transform(re, im, inverse);
    else this.bluestein!.transform(re, im, inverse);
  }
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

class Radix2 {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly reversed: Uint32Array;

  constructor(private readonly n: number) {
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    const bits = Math.log2(n);
    this.reversed = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const j = this.reversed[i]!;
      if (j > i) {
        [re[i], re[j]] = [re[j]!, re[i]!];
        [im[i], im[j]] = [im[j]!, im[i]!];
      }
    }
    const sign = inverse ? 1 : -1;
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step]!;
          const wi = sign * this.sin[k * step]!;
          const a = start + k;
          const b = a + half;
          const tr = re[b]! * wr - im[b]! * wi;
          const ti = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
  }
}

/**
 * X[k] = conj(w[k]) * sum_n (x[n] conj(w[n])) w[k - n] with the chirp w[n] = e^{i pi n^2 / N}:
 * a convolution, done with a power-of-two FFT of length >= 2N - 1.
 */
class Bluestein {
  private readonly m: number;
  private readonly inner: Radix2;
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  /** FFT of the chirp filter w[k], wrapped for circular convolution. */
  private readonly filterRe: Float64Array;
  private readonly filterIm: Float64Array;
  private readonly bufRe: Float64Array;
  private readonly bufIm: Float64Array;

  constructor(private readonly n: number) {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    this.m = m;
    this.inner = new Radix2(m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k^2 mod 2N keeps the angle small, so large k lose no precision
      const angle = (Math.PI * ((k * k) % (2 * n))) / n;
      this.chirpRe[k] = Math.cos(angle);
      this.chirpIm[k] = Math.sin(angle);
    }
    this.filterRe = new Float64Array(m);
    this.filterIm = new Float64Array(m);
    this.filterRe[0] = this.chirpRe[0]!;
    this.filterIm[0] = this.chirpIm[0]!;
    for (let k = 1; k < n; k++) {
      this.filterRe[k] = this.filterRe[m - k] = this.chirpRe[k]!;
      this.filterIm[k] = this.filterIm[m - k] = this.chirpIm[k]!;
    }
    this.inner.transform(this.filterRe, this.filterIm, false);
    this.bufRe = new Float64Array(m);
    this.bufIm = new Float64Array(m);
  }

  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const { n, m, bufRe, bufIm, chirpRe, chirpIm } = this;
    // the inverse transform is the forward one on conjugated data, conjugated back
    const s = inverse ? -1 : 1;
    bufRe.fill(0);
    bufIm.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = re[k]!;
      const xi = s * im[k]!;
      bufRe[k] = xr * chirpRe[k]! + xi * chirpIm[k]!;
      bufIm[k] = xi * chirpRe[k]! - xr * chirpIm[k]!;
    }
    this.inner.transform(bufRe, bufIm, false);
    for (let k = 0; k < m; k++) {
      const ar = bufRe[k]!;
      const ai = bufIm[k]!;
      bufRe[k] = ar * this.filterRe[k]! - ai * this.filterIm[k]!;
      bufIm[k] = ar * this.filterIm[k]! + ai * this.filterRe[k]!;
    }
    this.inner.transform(bufRe, bufIm, true);
    for (let k = 0; k < n; k++) {
      const ar = bufRe[k]! / m;
      const ai = bufIm[k]! / m;
      re[k] = ar * chirpRe[k]! + ai * chirpIm[k]!;
      im[k] = s * (ai * chirpRe[k]! - ar * chirpIm[k]!);
    }
  }
}
