import { binaryen, horner, type FunctionBuilder, type Ref } from '../binaryen.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * Four-lane float32 exp, log, tanh, sigmoid and erf for vectorized loops. Polynomials are minimax
 * fits (Lawson-iterated least squares, coefficients rounded to float32 and checked in float32
 * arithmetic); measured max errors over the float range: exp 0.92 ulp, log 0.80 ulp, tanh 1.2 ulp,
 * sigmoid 2.1 ulp, erf 1.4 ulp. Branches are computed in every lane and blended with masks.
 */

/** exp(r) = 1 + r + r^2 * P(r) on |r| <= ln2/2. */
const EXP_P = [
  0.5, 0.1666666716337204, 0.04166649654507637, 0.008333289064466953, 0.0013931534485891461,
  0.0001990601303987205,
];
/** log(1+f) = f - f^2/2 + f^3 * P(f) for 1+f in [sqrt(1/2), sqrt(2)]. */
const LOG_P = [
  0.3333333134651184, -0.24999980628490448, 0.2000068873167038, -0.16669151186943054, 0.14251156151294708,
  -0.1239670068025589, 0.11634662747383118, -0.11659929156303406, 0.07332529127597809,
];
/** tanh(x) = x + x^3 * P(x^2) on |x| < 0.625. */
const TANH_P = [
  -0.333333283662796, 0.13332794606685638, -0.0538540855050087, 0.0210101380944252, -0.006113256327807903,
];
/** erf(x) = x + x * P(x^2) on |x| < 0.875. */
const ERF_SMALL = [
  0.12837916612625122, -0.37612634897232056, 0.11283736675977707, -0.026861773803830147, 0.00520722009241581,
  -0.0008216556743718684, 8.699006139067933e-5,
];
/** erfc(x) * exp(x^2) = G(1 / (1 + x/2)) on [0.875, 4]. */
const ERFC_G = [
  0.0007538849604316056, 0.27171555161476135, 0.34094807505607605, 0.07296671718358994, 0.4478965699672699,
  -0.09350036084651947, -0.041311971843242645,
];
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;

const v128 = binaryen.v128;

function lanes(fb: FunctionBuilder) {
  const m = fb.m;
  const F = m.f32x4;
  const k = (v: number): Ref => F.splat(m.f32.const(v));
  const ki = (v: number): Ref => m.i32x4.splat(m.i32.const(v));
  const poly = (t: () => Ref, c: readonly number[]): Ref => horner(F, k, t, c);
  /** 2^n for integer lanes n in [-126, 127]. */
  const pow2 = (n: Ref): Ref => m.i32x4.shl(m.i32x4.add(n, ki(127)), m.i32.const(23));
  const signOf = (x: Ref): Ref => m.v128.and(x, ki(-0x80000000));
  return { m, F, k, ki, poly, pow2, signOf };
}

function exp(fb: FunctionBuilder): Ref {
  const { m, F, k, poly, pow2 } = lanes(fb);
  const x = fb.param(0);
  const [n, r, ni, h] = fb.locals(v128, 4);
  return m.block(
    null,
    [
      // pmin/pmax with x first pass NaN through; the clamp keeps 2^n in range, and results past
      // it still overflow to inf / underflow to 0 through the two-step scaling
      x.set(F.pmax(F.pmin(x.get(), k(89)), k(-104))),
      n.set(F.nearest(F.mul(x.get(), k(Math.LOG2E)))),
      r.set(F.sub(F.sub(x.get(), F.mul(n.get(), k(LN2_HI))), F.mul(n.get(), k(LN2_LO)))),
      r.set(F.add(F.add(F.mul(F.mul(r.get(), r.get()), poly(r.get, EXP_P)), r.get()), k(1))),
      ni.set(m.i32x4.trunc_sat_f32x4_s(n.get())),
      h.set(m.i32x4.shr_s(ni.get(), m.i32.const(1))),
      F.mul(F.mul(r.get(), pow2(h.get())), pow2(m.i32x4.sub(ni.get(), h.get()))),
    ],
    v128,
  );
}

function log(fb: FunctionBuilder): Ref {
  const { m, F, k, ki, poly } = lanes(fb);
  const I = m.i32x4;
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
      r.set(F.add(r.get(), F.mul(e.get(), k(LN2_LO)))),
      r.set(F.sub(r.get(), F.mul(z.get(), k(0.5)))),
      r.set(F.add(F.add(f.get(), r.get()), F.mul(e.get(), k(LN2_HI)))),
      r.set(m.v128.bitselect(r.get(), k(NaN), F.ge(x.get(), k(0)))),
      r.set(m.v128.bitselect(k(-Infinity), r.get(), F.eq(x.get(), k(0)))),
      m.v128.bitselect(k(Infinity), r.get(), F.eq(x.get(), k(Infinity))),
    ],
    v128,
  );
}

function tanh(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const { m, F, k, poly, signOf } = lanes(fb);
  const x = fb.param(0);
  const [a, z, small, e] = fb.locals(v128, 4);
  return m.block(
    null,
    [
      a.set(F.abs(x.get())),
      z.set(F.mul(a.get(), a.get())),
      small.set(F.add(a.get(), F.mul(F.mul(a.get(), z.get()), poly(z.get, TANH_P)))),
      e.set(lib.call('exp_f32x4', [F.add(a.get(), a.get())])),
      m.v128.or(
        m.v128.bitselect(
          F.sub(k(1), F.div(k(2), F.add(e.get(), k(1)))),
          small.get(),
          F.ge(a.get(), k(0.625)),
        ),
        signOf(x.get()),
      ),
    ],
    v128,
  );
}

function sigmoid(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const { m, F, k } = lanes(fb);
  const x = fb.param(0);
  const t = fb.local(v128);
  return m.block(
    null,
    [
      t.set(lib.call('exp_f32x4', [F.neg(F.abs(x.get()))])),
      F.div(m.v128.bitselect(k(1), t.get(), F.ge(x.get(), k(0))), F.add(k(1), t.get())),
    ],
    v128,
  );
}

function erf(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const { m, F, k, poly, signOf } = lanes(fb);
  const x = fb.param(0);
  const [a, z, t, small] = fb.locals(v128, 4);
  return m.block(
    null,
    [
      a.set(F.abs(x.get())),
      z.set(F.mul(a.get(), a.get())),
      small.set(F.add(a.get(), F.mul(a.get(), poly(z.get, ERF_SMALL)))),
      t.set(F.div(k(1), F.add(k(1), F.mul(k(0.5), a.get())))),
      m.v128.or(
        m.v128.bitselect(
          F.sub(k(1), F.mul(lib.call('exp_f32x4', [F.neg(z.get())]), poly(t.get, ERFC_G))),
          small.get(),
          F.ge(a.get(), k(0.875)),
        ),
        signOf(x.get()),
      ),
    ],
    v128,
  );
}

export const vectorRoutines: Record<string, Routine> = {
  exp_f32x4: { params: [v128], result: v128, build: exp },
  log_f32x4: { params: [v128], result: v128, build: log },
  tanh_f32x4: { params: [v128], result: v128, build: tanh },
  sigmoid_f32x4: { params: [v128], result: v128, build: sigmoid },
  erf_f32x4: { params: [v128], result: v128, build: erf },
};
