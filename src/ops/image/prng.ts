/**
 * The seeded generator of the random ops: xoshiro128** (Blackman and Vigna, 2018), 32-bit
 * arithmetic only, so it is fast and identical on every JS engine. Its 128-bit state is filled
 * by splitmix32 from the seed.
 *
 * Seeds: the ONNX `seed` attribute is a float; its float64 bit pattern seeds the stream, so
 * seed 0.5 and seed 1 give unrelated streams and a given seed always gives the same values.
 * Unseeded nodes draw stream numbers 0, 1, 2, ... from a process-wide counter mixed with
 * UNSEEDED_BASE: a run is reproducible, and two unseeded nodes never share a stream.
 * Values do not match onnxruntime or NumPy bit for bit; no ONNX consumer promises that.
 */
export const UNSEEDED_BASE = 0x6e63632d; // "ncc-"

let unseededCount = 0;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seedLo: number, seedHi: number) {
    const mix = { s: seedLo | 0 };
    mix.s ^= splitmix32({ s: seedHi | 0 });
    this.a = splitmix32(mix);
    this.b = splitmix32(mix);
    this.c = splitmix32(mix);
    this.d = splitmix32(mix);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** A generator with an explicit state (test vectors of the published algorithm). */
  static fromState(a: number, b: number, c: number, d: number): Prng {
    const p = new Prng(0, 0);
    [p.a, p.b, p.c, p.d] = [a >>> 0, b >>> 0, c >>> 0, d >>> 0];
    return p;
  }

  /** A generator for a node: from its seed attribute, or the next unseeded stream. */
  static forSeed(seed: number | undefined): Prng {
    if (seed === undefined) return new Prng(UNSEEDED_BASE, unseededCount++);
    const words = new Uint32Array(new Float64Array([seed]).buffer);
    return new Prng(words[0]!, words[1]!);
  }

  /** 32 uniformly random bits. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /**
   * Uniform in [0, 1) on a grid of 2^-bits: bits = the significand width of the output type (24 for
   * float32) so rounding to that type can never produce 1.
   */
  uniform(bits = 53): number {
    if (bits <= 32) return (this.nextUint32() >>> (32 - bits)) / 2 ** bits;
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 2 ** 26 + lo) / 2 ** 53;
  }

  /** Standard normal by the Box-Muller transform; the second value of each pair is kept. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Significand bits (with the implicit one) of a float dtype, for `uniform`. */
export function significandBits(dtype: string): number {
  switch (dtype) {
    case 'float64':
      return 53;
    case 'float16':
      return 11;
    case 'bfloat16':
      return 8;
    default:
      return 24;
  }
}
