import { binaryen, type Ref } from '../binaryen.js';
import { EXP_LO, expReduced, lanes, reduceExp, scaleBits, SIGN } from './f32x4-lanes.js';
import type { RoutineBuilder } from './library.js';

/**
 * Four-lane sigmoid, tanh and erf (the accuracy contract is in f32x4.ts). Each is one straight-line
 * formula over every lane: no second branch computed and blended, no call.
 */

const v128 = binaryen.v128;

/** expm1(t) = t + t^2 P(t) on |t| <= ln2/2: relative error 1.3e-8 before rounding. */
const EXPM1_P = [
  0.4999999701976776, 0.1666654348373413, 0.04166720062494278, 0.008366546593606472, 0.0013882508501410484,
];
/** tanh(x) rounds to +-1 in float32 beyond 9.01; clamping there keeps exp's scale normal. */
const TANH_SAT = 9.5;
/**
 * erf(x) = x P(x^2) / Q(x^2) on [0, 4] (all coefficients positive, so the float32 Horner sums never
 * cancel): relative error 2.5e-8 before rounding; erf rounds to +-1 in float32 beyond 3.92.
 */
const ERF_P = [
  1.1283791065216064, 0.19354762136936188, 0.05310205742716789, 0.0038834474980831146, 0.00028456709696911275,
  1.9867475202772766e-6,
];
const ERF_Q = [
  1.0, 0.5048596858978271, 0.11535103619098663, 0.015207458287477493, 0.0011855942429974675,
  3.741987529792823e-5,
];
const ERF_SAT = 4;

/**
 * 1 / (1 + e^-x), from e = e^-|x| (at most 1, so nothing overflows): 1 / (1 + e) for x >= 0 and
 * e / (1 + e) below. -|x| is clamped at EXP_LO so e stays normal, and results there flush to 0.
 */
export function sigmoid(fb: RoutineBuilder): Ref {
  const L = lanes(fb);
  const { m, F, k, ki } = L;
  const x = fb.param(0);
  const [u, z, n, r, e] = fb.locals(v128, 5);
  return m.block(
    null,
    [
      // pmax with u first passes NaN through
      u.set(F.pmax(m.v128.or(x.get(), ki(SIGN)), k(EXP_LO))),
      ...reduceExp(L, u.get, z, r, n),
      e.set(scaleBits(L, expReduced(L, r.get), z.get())),
      m.v128.andnot(
        F.div(m.v128.bitselect(k(1), e.get(), F.ge(x.get(), k(0))), F.add(e.get(), k(1))),
        F.lt(x.get(), k(EXP_LO)),
      ),
    ],
    v128,
  );
}

/**
 * tanh(-|x|) = em1 / (em1 + 2) with em1 = expm1(-2|x|) = 2^n expm1(t) + (2^n - 1), which keeps full
 * relative accuracy near 0 (no 1 - e cancellation); then x's sign is copied onto the magnitude.
 */
export function tanh(fb: RoutineBuilder): Ref {
  const L = lanes(fb);
  const { m, F, I, k, ki, madd, poly } = L;
  const x = fb.param(0);
  const [u, z, n, t, s, em1] = fb.locals(v128, 6);
  return m.block(
    null,
    [
      u.set(F.mul(F.pmax(m.v128.or(x.get(), ki(SIGN)), k(-TANH_SAT)), k(2))),
      ...reduceExp(L, u.get, z, t, n),
      s.set(I.add(I.shl(z.get(), m.i32.const(23)), ki(0x3f800000))),
      em1.set(madd(F.mul(t.get(), t.get()), poly(t.get, EXPM1_P), t.get())),
      em1.set(madd(s.get(), em1.get(), F.sub(s.get(), k(1)))),
      m.v128.bitselect(x.get(), F.div(em1.get(), F.add(em1.get(), k(2))), ki(SIGN)),
    ],
    v128,
  );
}

/** erf(|x|) by the rational form on |x| clamped to ERF_SAT, then x's sign copied on. */
export function erf(fb: RoutineBuilder): Ref {
  const L = lanes(fb);
  const { m, F, k, ki, poly } = L;
  const x = fb.param(0);
  const [a, s] = fb.locals(v128, 2);
  return m.block(
    null,
    [
      // pmin with |x| first passes NaN through
      a.set(F.pmin(F.abs(x.get()), k(ERF_SAT))),
      s.set(F.mul(a.get(), a.get())),
      // rounding can put the ratio a hair above 1 near saturation
      m.v128.bitselect(
        x.get(),
        F.pmin(F.div(F.mul(a.get(), poly(s.get, ERF_P)), poly(s.get, ERF_Q)), k(1)),
        ki(SIGN),
      ),
    ],
    v128,
  );
}
