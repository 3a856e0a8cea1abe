/**
 * The counter-based generator of the random ops: element i's 32 bits are a pure function of a
 * 64-bit stream key and a counter (i times the draws per element plus the draw index), so a loop
 * nest can compute any element on its own, in any order, in SIMD lanes or on several threads,
 * and compiled code (src/backend/lower/image/random.ts builds the same function in kernel IR)
 * gives the reference's values bit for bit. The mix is two rounds of the murmur3 32-bit
 * finalizer (a bijection with full avalanche), keyed before each round, in i32 mul/xor/shift only.
 *
 * Seeds: the ONNX `seed` attribute is a float; its float64 bit pattern gives the key, so seed 0.5
 * and seed 1 give unrelated streams and a given seed always gives the same values. Unseeded nodes
 * take stream numbers 0, 1, 2, ... from a process-wide counter mixed with UNSEEDED_BASE: a run is
 * reproducible and two unseeded nodes never share a stream. The compiler picks an unseeded node's
 * stream from the same counter when it lowers the node, so its compiled values are fixed for that
 * compiled program but are not those of a reference run. Values do not match onnxruntime or NumPy;
 * no ONNX consumer promises that.
 */
export const UNSEEDED_BASE = 0x6e63632d; // "ncc-"

/** The counter step: the golden ratio, odd, so distinct counters stay distinct before mixing. */
export const COUNTER_STEP = 0x9e3779b9 | 0;
export const FMIX_C1 = 0x85ebca6b | 0;
export const FMIX_C2 = 0xc2b2ae35 | 0;

let unseededCount = 0;

/** The murmur3 finalizer on int32 bit patterns. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), FMIX_C1);
  h = Math.imul(h ^ (h >>> 13), FMIX_C2);
  return h ^ (h >>> 16);
}

/** The two 32-bit key words of a stream (int32 bit patterns). */
export interface StreamKey {
  readonly k0: number;
  readonly k1: number;
}

function keyOf(lo: number, hi: number): StreamKey {
  const k0 = fmix32(lo ^ fmix32(hi ^ UNSEEDED_BASE));
  return { k0, k1: fmix32(k0 ^ hi) };
}

/** The key of a node: from its seed attribute, or the next unseeded stream. */
export function streamKey(seed: number | undefined): StreamKey {
  if (seed === undefined) return keyOf(unseededCount++, UNSEEDED_BASE);
  const words = new Int32Array(new Float64Array([seed]).buffer);
  return keyOf(words[0]!, words[1]!);
}

/** 32 random bits (as an unsigned number) for a counter (wrapping to 32 bits). */
export function randomBits(key: StreamKey, counter: number): number {
  const x = fmix32(Math.imul(counter, COUNTER_STEP) ^ key.k0);
  return fmix32((x + key.k1) | 0) >>> 0;
}

/**
 * Uniform in [0, 1) on a grid of 2^-bits from 32 random bits: bits = the significand width of the
 * output type (24 for float32) so rounding low + (high - low) * u to that type cannot reach high in
 * the unit case; float64 (and internal uses) take all 32 bits.
 */
export function unitUniform(bits32: number, bits: number): number {
  return bits >= 32 ? bits32 * 2 ** -32 : (bits32 >>> (32 - bits)) * 2 ** -bits;
}

/**
 * A standard normal by Box-Muller from the draws 2i and 2i + 1 (one value a pair: the sine half
 * would need the pair's state). 1 - u keeps log finite. log and cos are the explicit float64
 * series below, not Math.log/Math.cos: engines and the wasm math library may differ in the last
 * bit, and the compiled kernel must reproduce these values exactly, so both sides evaluate the
 * same IEEE operations (add, mul, div, sqrt, floor) in the same order.
 */
export function standardNormal(key: StreamKey, i: number): number {
  const u1 = 1 - randomBits(key, 2 * i) * 2 ** -32;
  const u2 = randomBits(key, 2 * i + 1) * 2 ** -32;
  return Math.sqrt(-2 * unitLog(u1)) * cosTurns(u2);
}

/** Binary-search steps of unitLog: scale by 2^k while x < 2^-k. */
export const LOG_STEPS = [16, 8, 4, 2, 1] as const;
/** 2 atanh(s) = 2s (1 + s^2/3 + s^4/5 + ...), to s^25: |s| <= 0.172 leaves < 1e-19. */
export const ATANH_SERIES = Array.from({ length: 13 }, (_, j) => 1 / (2 * j + 1));

/** ln x for x in [2^-32, 1] (the unit draws): x = 2^e m, m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)). */
export function unitLog(x: number): number {
  let e = 0;
  for (const k of LOG_STEPS) {
    if (x < 2 ** -k) {
      x *= 2 ** k;
      e -= k;
    }
  }
  if (x < Math.SQRT1_2) {
    x *= 2;
    e -= 1;
  }
  const f = x - 1;
  const s = f / (2 + f);
  return e * Math.LN2 + 2 * s * horner(ATANH_SERIES, s * s);
}

/** sin and cos Taylor series in x^2 to x^17 / x^18: |x| <= pi/4 leaves < 1e-19. */
export const SIN_SERIES = Array.from({ length: 9 }, (_, j) => (-1) ** j / factorial(2 * j + 1));
export const COS_SERIES = Array.from({ length: 10 }, (_, j) => (-1) ** j / factorial(2 * j));

function factorial(n: number): number {
  let r = 1;
  for (let k = 2; k <= n; k++) r *= k;
  return r;
}

/** c[0] + z (c[1] + z (...)). */
export function horner(c: readonly number[], z: number): number {
  let r = c[c.length - 1]!;
  for (let j = c.length - 2; j >= 0; j--) r = c[j]! + z * r;
  return r;
}

/**
 * cos(2 pi t) for t in [0, 1): the quadrant n = floor(4t + 1/2) and t - n/4 are exact for the
 * 32-bit grid, leaving |x| <= pi/4 for the series.
 */
export function cosTurns(t: number): number {
  const n = Math.floor(4 * t + 0.5);
  const x = 2 * Math.PI * (t - n * 0.25);
  const z = x * x;
  const c = horner(COS_SERIES, z);
  const sn = x * horner(SIN_SERIES, z);
  const q = n % 4;
  return q === 0 ? c : q === 1 ? -sn : q === 2 ? -c : sn;
}

/** Cody-Waite split of ln 2 (fdlibm's): k * LN2_HI is exact for |k| < 2^11. */
export const LN2_HI = 6.9314718036912381649e-1;
export const LN2_LO = 1.90821492927058770002e-10;
/** exp(r) to r^17: |r| <= 0.35 leaves < 1e-24. */
export const EXP_SERIES = Array.from({ length: 18 }, (_, j) => 1 / factorial(j));
/** Binary steps of the 2^k scaling (k >= -1077 after the clamp). */
export const EXP_STEPS = [1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1] as const;
/** Below this exp is under half the least subnormal: 0. */
export const EXP_UNDERFLOW = -745.5;

/**
 * exp y for y <= 0 (a logit minus its row max) or NaN, as an explicit series for the same reason
 * as unitLog: y = k ln2 + r, exp r by its series, then 2^k by halving steps.
 */
export function expNonPositive(y: number): number {
  const c = Math.max(y, -746);
  const k = Math.floor(c * Math.LOG2E + 0.5);
  const r = c - k * LN2_HI - k * LN2_LO;
  let v = horner(EXP_SERIES, r);
  let kk = -k;
  for (const b of EXP_STEPS) {
    if (kk >= b) {
      v *= 2 ** -b;
      kk -= b;
    }
  }
  return y < EXP_UNDERFLOW ? 0 : v;
}

/** Significand bits (with the implicit one) of a float dtype, for `unitUniform`. */
export function significandBits(dtype: string): number {
  switch (dtype) {
    case 'float64':
      return 32;
    case 'float16':
      return 11;
    case 'bfloat16':
      return 8;
    default:
      return 24;
  }
}
