import { binaryen, horner, type Ref } from '../binaryen.js';
import type { Routine, RoutineBuilder } from './library.js';
import { EXP_HI, EXP_LO, expReduced, lanes, reduceExp, scaleBits } from './f32x4-lanes.js';
import { erf, sigmoid, tanh } from './f32x4-activations.js';

/**
 * Four-lane float32 routines for vectorized loops: exp, log, tanh, sigmoid, erf. Every lane runs
 * the same straight-line code (no branches; special cases are blended in with masks).
 *
 * Accuracy contract (max error over every binade of the float range and a dense grid, with and
 * without fused multiply-add; test/backend/wasm-math.test.ts holds the bounds in brackets):
 *   exp 0.97 ulp [1], log 0.78 [1], sigmoid 2.34 [2.5], tanh 2.49 [3], erf 6.48 [7] (erf's rational
 *   form loses ~6 roundings' worth in float32 at results just below 1: 3.9e-7 absolute at worst).
 * Results below the normal range (|y| < 2^-126) are flushed to zero: exp(x) for x < ln 2^-126 and
 * sigmoid(x) for x < ln 2^-126 return 0 rather than a subnormal. x86 cores run any multiply or add
 * that reads or writes a subnormal through a microcode assist (~100 cycles), so producing them made
 * these routines 5x slower on large-magnitude inputs; their values are below 1.2e-38 either way.
 * Overflow gives inf and NaN stays NaN. Scalar float32 (f32.ts) stays correctly rounded, subnormals
 * included; a vectorized loop's remainder iterations run that scalar code.
 *
 * Polynomials are minimax fits (Lawson-iterated least squares, coefficients rounded to float32 and
 * checked by emulating the float32 evaluation).
 */

/** log(1+f) = f - f^2/2 + f^3 * P(f) for 1+f in [sqrt(1/2), sqrt(2)]. */
const LOG_P = [
  0.3333333134651184, -0.24999980628490448, 0.2000068873167038, -0.16669151186943054, 0.14251156151294708,
  -0.1239670068025589, 0.11634662747383118, -0.11659929156303406, 0.07332529127597809,
];
const LOG_LN2_HI = 0.693359375;
const LOG_LN2_LO = -2.1219444e-4;

const v128 = binaryen.v128;

function exp(fb: RoutineBuilder): Ref {
  const L = lanes(fb);
  const { m, F, k } = L;
  const x = fb.param(0);
  const [z, n, r, p] = fb.locals(v128, 4);
  return m.block(
    null,
    [
      ...reduceExp(L, x.get, z, r, n),
      p.set(scaleBits(L, expReduced(L, r.get), z.get())),
      // past ln FLT_MAX: inf, and NaN stays NaN (x * inf); the integer scaling is garbage there
      p.set(m.v128.bitselect(p.get(), F.mul(x.get(), k(Infinity)), F.le(x.get(), k(EXP_HI)))),
      m.v128.andnot(p.get(), F.lt(x.get(), k(EXP_LO))),
    ],
    v128,
  );
}

function log(fb: RoutineBuilder): Ref {
  const m = fb.m;
  const F = m.f32x4;
  const I = m.i32x4;
  const k = (v: number): Ref => F.splat(m.f32.const(v));
  const ki = (v: number): Ref => I.splat(m.i32.const(v));
  const poly = (t: () => Ref, c: readonly number[]): Ref => horner(F, k, t, c);
  const x = fb.param(0);
  const [y, bits, e, f, z, big, r] = fb.locals(v128, 7);
  return m.block(
    null,
    [
      // subnormals: scale into the normal range first
      big.set(F.lt(x.get(), k(2 ** -126))),
      y.set(m.v128.bitselect(F.mul(x.get(), k(2 ** 23)), x.get(), big.get())),
      bits.set(y.get()),
      e.set(I.add(I.sub(I.shr_u(bits.get(), m.i32.const(23)), ki(127)), m.v128.and(big.get(), ki(-23)))),
      f.set(m.v128.or(m.v128.and(bits.get(), ki(0x007fffff)), ki(0x3f800000))),
      big.set(F.gt(f.get(), k(Math.SQRT2))),
      f.set(m.v128.bitselect(F.mul(f.get(), k(0.5)), f.get(), big.get())),
      e.set(F.convert_i32x4_s(I.sub(e.get(), big.get()))),
      f.set(F.sub(f.get(), k(1))),
      z.set(F.mul(f.get(), f.get())),
      r.set(F.mul(F.mul(z.get(), f.get()), poly(f.get, LOG_P))),
      r.set(F.add(r.get(), F.mul(e.get(), k(LOG_LN2_LO)))),
      r.set(F.sub(r.get(), F.mul(z.get(), k(0.5)))),
      r.set(F.add(F.add(f.get(), r.get()), F.mul(e.get(), k(LOG_LN2_HI)))),
      r.set(m.v128.bitselect(r.get(), k(NaN), F.ge(x.get(), k(0)))),
      r.set(m.v128.bitselect(k(-Infinity), r.get(), F.eq(x.get(), k(0)))),
      m.v128.bitselect(k(Infinity), r.get(), F.eq(x.get(), k(Infinity))),
    ],
    v128,
  );
}

export const vectorRoutines: Record<string, Routine> = {
  exp_f32x4: { params: [v128], result: v128, build: exp, inlinable: true },
  log_f32x4: { params: [v128], result: v128, build: log, inlinable: true },
  tanh_f32x4: { params: [v128], result: v128, build: tanh, inlinable: true },
  sigmoid_f32x4: { params: [v128], result: v128, build: sigmoid, inlinable: true },
  erf_f32x4: { params: [v128], result: v128, build: erf, inlinable: true },
};
