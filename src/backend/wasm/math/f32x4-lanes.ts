import { binaryen, type Local, type Module, type Ref } from '../binaryen.js';
import type { RoutineBuilder } from './library.js';

/**
 * Building blocks of the four-lane float32 routines: constants, a multiply-add that fuses when the
 * module has relaxed SIMD (the host then picks fused or not; every bound in f32x4.ts holds for
 * both), Horner's scheme over it, and the exponential's range reduction shared by exp, sigmoid and
 * tanh.
 */

// binaryen.js builds relaxed ternaries only through the generic SIMD ternary node
const ternary = (binaryen as unknown as { SIMDTernary: { setOp(expr: Ref, op: number): void } }).SIMDTernary;

/** 1.5 * 2^23: adding it rounds a float below 2^22 in magnitude to an integer, kept in the low mantissa bits. */
export const MAGIC = 12582912;
export const LOG2E = Math.LOG2E;
/** ln 2 = LN2_HI + LN2_LO with LN2_HI of 16 significant bits, so n * LN2_HI is exact for |n| < 256. */
export const LN2_HI = 0.693145751953125;
export const LN2_LO = 1.4286067653e-6;
export const SIGN = -0x80000000;

/** exp(r) = 1 + r + r^2 Q(r) on |r| <= ln2/2: relative error 3.1e-9 before rounding. */
const EXP_Q = [
  0.4999999403953552, 0.1666652113199234, 0.04166839271783829, 0.008368744514882565, 0.0013814527774229646,
];
/** exp(x) is a normal float for x in [EXP_LO, EXP_HI] (the float32s nearest inside ln 2^-126 and ln FLT_MAX). */
export const EXP_LO = -87.33654022216797;
export const EXP_HI = 88.72283172607422;

export interface Lanes {
  readonly m: Module;
  readonly F: Module['f32x4'];
  readonly I: Module['i32x4'];
  /** f32 constant in every lane. */
  k(v: number): Ref;
  /** i32 constant in every lane. */
  ki(v: number): Ref;
  /** a * b + c. */
  madd(a: Ref, b: Ref, c: Ref): Ref;
  /** c0 + t*(c1 + t*(c2 + ...)), lowest degree first. */
  poly(t: () => Ref, c: readonly number[]): Ref;
}

export function lanes(fb: RoutineBuilder): Lanes {
  const m = fb.m;
  const F = m.f32x4;
  const fused = (m.getFeatures() & binaryen.Features.RelaxedSIMD) !== 0;
  const k = (v: number): Ref => F.splat(m.f32.const(v));
  const madd = (a: Ref, b: Ref, c: Ref): Ref => {
    if (!fused) return F.add(F.mul(a, b), c);
    const e = m.v128.bitselect(a, b, c);
    ternary.setOp(e, binaryen.RelaxedMaddVecF32x4);
    return e;
  };
  const poly = (t: () => Ref, c: readonly number[]): Ref => {
    let acc = k(c[c.length - 1]!);
    for (let i = c.length - 2; i >= 0; i--) acc = madd(acc, t(), k(c[i]!));
    return acc;
  };
  return { m, F, I: m.i32x4, k, ki: (v) => m.i32x4.splat(m.i32.const(v)), madd, poly };
}

/**
 * Range reduction of exp: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2/2 (a hair more when
 * the product rounds). Sets `z` to x/ln2 + MAGIC, whose low mantissa bits hold n (so `z << 23` is n
 * in the exponent field, see scaleBits), `n` and `r`. Needs |x| < 2^21; callers clamp or mask.
 */
export function reduceExp(L: Lanes, x: () => Ref, z: Local, r: Local, n: Local): Ref[] {
  const { F, k, madd } = L;
  return [
    z.set(madd(x(), k(LOG2E), k(MAGIC))),
    n.set(F.sub(z.get(), k(MAGIC))),
    r.set(madd(n.get(), k(-LN2_HI), x())),
    r.set(madd(n.get(), k(-LN2_LO), r.get())),
  ];
}

/**
 * p * 2^n by integer addition into p's exponent field: exact, and no multiply can produce a
 * subnormal, as long as the result is a normal float (callers keep n and p in range).
 */
export function scaleBits(L: Lanes, p: Ref, z: Ref): Ref {
  return L.I.add(p, L.I.shl(z, L.m.i32.const(23)));
}

/** e^r for a reduced |r| <= ln2/2, in [0.7, 1.42]. */
export function expReduced(L: Lanes, r: () => Ref): Ref {
  const { F, k, madd, poly } = L;
  return F.add(madd(F.mul(r(), r()), poly(r, EXP_Q), r()), k(1));
}
