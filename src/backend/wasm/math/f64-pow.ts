import { binaryen, horner, type FunctionBuilder, type Ref } from '../binaryen.js';
import { fromWords, hiWord, loWord, withHiWord, withLoZero } from './bits.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * pow in double precision with the C99/numpy special cases (integer exponents keep the sign,
 * pow(x, 0) = pow(1, y) = 1, negative bases with fractional exponents are NaN).
 */

const f64 = binaryen.f64;
const i32 = binaryen.i32;

/**
 * C99 / numpy special cases first; then fdlibm's method: log2|x| in two pieces (t1 with 29 trailing
 * zero bits + t2), y*log2|x| as an exact head plus a tail, and 2^(head+tail) with the integer part
 * moved into the exponent. "Nearly rounded" (< 1 ulp observed); integer powers of integers that fit
 * are exact.
 */
function pow(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const y = fb.param(1);
  const [yInt, yOdd] = fb.locals(i32, 2);
  const [sign, ax] = fb.locals(f64, 2);
  return m.block(
    null,
    [
      m.if(I.or(F.eq(y.get(), c(0)), F.eq(x.get(), c(1))), m.return(c(1))),
      m.if(I.or(F.ne(x.get(), x.get()), F.ne(y.get(), y.get())), m.return(F.add(x.get(), y.get()))),
      yInt.set(F.eq(F.trunc(y.get()), y.get())),
      yOdd.set(
        I.and(
          I.and(yInt.get(), F.lt(F.abs(y.get()), c(2 ** 53))),
          F.ne(F.mul(F.trunc(F.mul(y.get(), c(0.5))), c(2)), y.get()),
        ),
      ),
      m.if(
        I.and(I.and(F.lt(x.get(), c(0)), F.gt(x.get(), c(-Infinity))), I.eqz(yInt.get())),
        m.return(c(NaN)),
      ),
      ax.set(F.abs(x.get())),
      m.if(I.and(F.eq(ax.get(), c(1)), F.eq(F.abs(y.get()), c(Infinity))), m.return(c(1))),
      sign.set(m.select(I.and(yOdd.get(), F.lt(F.copysign(c(1), x.get()), c(0))), c(-1), c(1))),
      // zeros, infinities and infinite exponents: exact 0 or inf through exp(y*log|x|)
      m.if(
        I.or(I.or(F.eq(ax.get(), c(0)), F.eq(ax.get(), c(Infinity))), F.eq(F.abs(y.get()), c(Infinity))),
        m.return(F.mul(sign.get(), lib.call('exp_f64', [F.mul(y.get(), lib.call('log_f64', [ax.get()]))]))),
      ),
      F.mul(sign.get(), lib.call('pow_core_f64', [ax.get(), y.get()])),
    ],
    f64,
  );
}

const BP = [1, 1.5];
const DP_H = [0, 5.84962487220764160156e-1];
const DP_L = [0, 1.35003920212974897128e-8];
const L = [
  5.99999999999994648725e-1, 4.28571428578550184252e-1, 3.33333329818377432918e-1, 2.72728123808534006489e-1,
  2.30660745775561754067e-1, 2.06975017800338417784e-1,
];
const P = [
  1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5, -1.6533902205465251539e-6,
  4.13813679705723846039e-8,
];
const LG2 = 6.93147180559945286227e-1;
const LG2_H = 6.93147182464599609375e-1;
const LG2_L = -1.90465429995776804525e-9;
const OVT = 8.008566259537294e-17;
const CP = 9.61796693925975554329e-1;
const CP_H = 9.61796700954437255859e-1;
const CP_L = -7.02846165095275826516e-9;
const IVLN2 = 1.442695040888963387;
const IVLN2_H = 1.44269502162933349609;
const IVLN2_L = 1.92596299112661746887e-8;

/** |x|^y for finite positive x != 1 and finite nonzero y (fdlibm's e_pow.c core). */
function powCore(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const ax = fb.param(0);
  const y = fb.param(1);
  const [ix, iy, hy, n, j, k, i] = fb.locals(i32, 7);
  const [t, w, u, v, t1, t2, ss, sh, th, tl, sl, s2, r, ph, pl, zh, zl, z] = fb.locals(f64, 18);
  const low0 = (e: Ref): Ref => withLoZero(m, e);
  const pick = (values: readonly number[]): Ref => m.select(k.get(), c(values[1]!), c(values[0]!));
  const poly = (t: () => Ref, coefficients: readonly number[]): Ref => horner(F, c, t, coefficients);
  const overflow = (): Ref => c(Infinity);
  // log2|x| = t1 + t2 for |x| within 2^-20 of 1 (when |y| is huge): a short series suffices
  const nearOne = m.block(null, [
    t.set(F.sub(ax.get(), c(1))),
    w.set(
      F.mul(F.mul(t.get(), t.get()), F.sub(c(0.5), F.mul(t.get(), F.sub(c(1 / 3), F.mul(t.get(), c(0.25)))))),
    ),
    u.set(F.mul(c(IVLN2_H), t.get())),
    v.set(F.sub(F.mul(t.get(), c(IVLN2_L)), F.mul(w.get(), c(IVLN2)))),
    t1.set(low0(F.add(u.get(), v.get()))),
    t2.set(F.sub(v.get(), F.sub(t1.get(), u.get()))),
  ]);
  const general = m.block(null, [
    n.set(I.const(0)),
    m.if(
      I.lt_u(ix.get(), I.const(0x00100000)),
      m.block(null, [ax.set(F.mul(ax.get(), c(2 ** 53))), n.set(I.const(-53)), ix.set(hiWord(m, ax.get()))]),
    ),
    n.set(I.add(n.get(), I.sub(I.shr_s(ix.get(), I.const(20)), I.const(0x3ff)))),
    j.set(I.and(ix.get(), I.const(0x000fffff))),
    ix.set(I.or(j.get(), I.const(0x3ff00000))),
    k.set(I.const(0)),
    m.if(
      I.gt_s(j.get(), I.const(0x3988e)),
      m.if(
        I.lt_s(j.get(), I.const(0xbb67a)),
        k.set(I.const(1)),
        m.block(null, [n.set(I.add(n.get(), I.const(1))), ix.set(I.sub(ix.get(), I.const(0x00100000)))]),
      ),
    ),
    ax.set(withHiWord(m, ax.get(), ix.get())),
    // ss = sh + sl = (x - bp) / (x + bp)
    u.set(F.sub(ax.get(), pick(BP))),
    v.set(F.div(c(1), F.add(ax.get(), pick(BP)))),
    ss.set(F.mul(u.get(), v.get())),
    sh.set(low0(ss.get())),
    th.set(
      fromWords(
        m,
        I.add(
          I.add(I.or(I.shr_s(ix.get(), I.const(1)), I.const(0x20000000)), I.const(0x00080000)),
          I.shl(k.get(), I.const(18)),
        ),
        I.const(0),
      ),
    ),
    tl.set(F.sub(ax.get(), F.sub(th.get(), pick(BP)))),
    sl.set(F.mul(v.get(), F.sub(F.sub(u.get(), F.mul(sh.get(), th.get())), F.mul(sh.get(), tl.get())))),
    s2.set(F.mul(ss.get(), ss.get())),
    r.set(F.mul(F.mul(s2.get(), s2.get()), poly(s2.get, L))),
    r.set(F.add(r.get(), F.mul(sl.get(), F.add(sh.get(), ss.get())))),
    s2.set(F.mul(sh.get(), sh.get())),
    th.set(low0(F.add(F.add(c(3), s2.get()), r.get()))),
    tl.set(F.sub(r.get(), F.sub(F.sub(th.get(), c(3)), s2.get()))),
    u.set(F.mul(sh.get(), th.get())),
    v.set(F.add(F.mul(sl.get(), th.get()), F.mul(tl.get(), ss.get()))),
    ph.set(low0(F.add(u.get(), v.get()))),
    pl.set(F.sub(v.get(), F.sub(ph.get(), u.get()))),
    zh.set(F.mul(c(CP_H), ph.get())),
    zl.set(F.add(F.add(F.mul(c(CP_L), ph.get()), F.mul(pl.get(), c(CP))), pick(DP_L))),
    t.set(F.convert_s.i32(n.get())),
    t1.set(low0(F.add(F.add(F.add(zh.get(), zl.get()), pick(DP_H)), t.get()))),
    t2.set(F.sub(zl.get(), F.sub(F.sub(F.sub(t1.get(), t.get()), pick(DP_H)), zh.get()))),
  ]);
  return m.block(
    null,
    [
      ix.set(hiWord(m, ax.get())),
      hy.set(hiWord(m, y.get())),
      iy.set(I.and(hy.get(), I.const(0x7fffffff))),
      m.if(
        I.gt_u(iy.get(), I.const(0x41e00000)),
        m.block(null, [
          // |y| > 2^31: over- or underflow unless x is within 2^-20 of 1
          m.if(
            I.lt_u(ix.get(), I.const(0x3fefffff)),
            m.return(m.select(I.lt_s(hy.get(), I.const(0)), overflow(), c(0))),
          ),
          m.if(
            I.gt_u(ix.get(), I.const(0x3ff00000)),
            m.return(m.select(I.gt_s(hy.get(), I.const(0)), overflow(), c(0))),
          ),
          nearOne,
        ]),
        general,
      ),
      // y*log2|x| = ph + pl, with y split so y1*t1 is exact
      t.set(low0(y.get())),
      pl.set(F.add(F.mul(F.sub(y.get(), t.get()), t1.get()), F.mul(y.get(), t2.get()))),
      ph.set(F.mul(t.get(), t1.get())),
      z.set(F.add(pl.get(), ph.get())),
      j.set(hiWord(m, z.get())),
      i.set(loWord(m, z.get())),
      m.if(
        I.ge_s(j.get(), I.const(0x40900000)),
        m.if(
          I.or(
            I.ne(I.or(I.sub(j.get(), I.const(0x40900000)), i.get()), I.const(0)),
            F.gt(F.add(pl.get(), c(OVT)), F.sub(z.get(), ph.get())),
          ),
          m.return(overflow()),
        ),
        m.if(
          I.ge_u(I.and(j.get(), I.const(0x7fffffff)), I.const(0x4090cc00)),
          m.if(
            I.or(
              I.ne(I.or(I.sub(j.get(), I.const(0xc090cc00 | 0)), i.get()), I.const(0)),
              F.le(pl.get(), F.sub(z.get(), ph.get())),
            ),
            m.return(c(0)),
          ),
        ),
      ),
      // 2^(ph+pl): the integer part n goes to the exponent
      i.set(I.and(j.get(), I.const(0x7fffffff))),
      k.set(I.sub(I.shr_s(i.get(), I.const(20)), I.const(0x3ff))),
      n.set(I.const(0)),
      m.if(
        I.gt_s(i.get(), I.const(0x3fe00000)),
        m.block(null, [
          n.set(I.add(j.get(), I.shr_s(I.const(0x00100000), I.add(k.get(), I.const(1))))),
          k.set(I.sub(I.shr_s(I.and(n.get(), I.const(0x7fffffff)), I.const(20)), I.const(0x3ff))),
          t.set(
            fromWords(
              m,
              I.and(n.get(), I.xor(I.shr_s(I.const(0x000fffff), k.get()), I.const(-1))),
              I.const(0),
            ),
          ),
          n.set(
            I.shr_s(
              I.or(I.and(n.get(), I.const(0x000fffff)), I.const(0x00100000)),
              I.sub(I.const(20), k.get()),
            ),
          ),
          m.if(I.lt_s(j.get(), I.const(0)), n.set(I.sub(I.const(0), n.get()))),
          ph.set(F.sub(ph.get(), t.get())),
        ]),
      ),
      t.set(low0(F.add(pl.get(), ph.get()))),
      u.set(F.mul(t.get(), c(LG2_H))),
      v.set(F.add(F.mul(F.sub(pl.get(), F.sub(t.get(), ph.get())), c(LG2)), F.mul(t.get(), c(LG2_L)))),
      z.set(F.add(u.get(), v.get())),
      w.set(F.sub(v.get(), F.sub(z.get(), u.get()))),
      t.set(F.mul(z.get(), z.get())),
      t1.set(F.sub(z.get(), F.mul(t.get(), poly(t.get, P)))),
      r.set(
        F.sub(
          F.div(F.mul(z.get(), t1.get()), F.sub(t1.get(), c(2))),
          F.add(w.get(), F.mul(z.get(), w.get())),
        ),
      ),
      z.set(F.sub(c(1), F.sub(r.get(), z.get()))),
      j.set(I.add(hiWord(m, z.get()), I.shl(n.get(), I.const(20)))),
      m.if(
        I.le_s(I.shr_s(j.get(), I.const(20)), I.const(0)),
        lib.call('scalbn_f64', [z.get(), n.get()]),
        withHiWord(m, z.get(), j.get()),
      ),
    ],
    f64,
  );
}

export const powRoutines: Record<string, Routine> = {
  pow_f64: { params: [f64, f64], result: f64, build: pow },
  pow_core_f64: { params: [f64, f64], result: f64, build: powCore },
};
