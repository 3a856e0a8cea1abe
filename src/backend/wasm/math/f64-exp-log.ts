import { binaryen, horner, type FunctionBuilder, type Ref } from '../binaryen.js';
import { hiWord, pow2, withHiWord } from './bits.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * exp, expm1, log, log1p in double precision, after fdlibm (Sun's freely distributable libm, as
 * carried by FreeBSD and musl): argument reduction by k*ln2 with ln2 split in two so k*ln2_hi is
 * exact, then a Remez polynomial. Error < 1 ulp.
 */

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.442695040888963387;
/** exp: R(z) ~ r*(exp(r)+1)/(exp(r)-1) = 2 + P1*z + ... + P5*z^5. */
const EXP_P = [
  1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5, -1.6533902205465251539e-6,
  4.13813679705723846039e-8,
];
/** expm1, scaled: Qn * 2^n for R(2z) with z = x*x/2. */
const EXPM1_Q = [
  -3.33333333333331316428e-2, 1.58730158725481460165e-3, -7.93650757867487942473e-5,
  4.00821782732936239552e-6, -2.01099218183624371326e-7,
];
/** log(1+f) = 2s + s*R(s^2), s = f/(2+f). */
const LG = [
  6.66666666666673513e-1, 3.999999999940941908e-1, 2.857142874366239149e-1, 2.222219843214978396e-1,
  1.818357216161805012e-1, 1.531383769920937332e-1, 1.479819860511658591e-1,
];

const f64 = binaryen.f64;
const i32 = binaryen.i32;

function exp(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const [hx, sign, k] = [fb.local(i32), fb.local(i32), fb.local(i32)];
  const [hi, lo, xx, cc, y] = [fb.local(f64), fb.local(f64), fb.local(f64), fb.local(f64), fb.local(f64)];
  const kf = (): Ref => F.convert_s.i32(k.get());
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      sign.set(I.shr_u(hx.get(), I.const(31))),
      hx.set(I.and(hx.get(), I.const(0x7fffffff))),
      m.if(
        I.ge_u(hx.get(), I.const(0x4086232b)),
        m.block(null, [
          m.if(F.ne(x.get(), x.get()), m.return(x.get())),
          m.if(F.gt(x.get(), c(709.782712893383973096)), m.return(c(Infinity))),
          m.if(F.lt(x.get(), c(-745.13321910194110842)), m.return(c(0))),
        ]),
      ),
      m.if(
        I.gt_u(hx.get(), I.const(0x3fd62e42)),
        m.block(null, [
          k.set(
            m.if(
              I.ge_u(hx.get(), I.const(0x3ff0a2b2)),
              I.trunc_s_sat.f64(F.add(F.mul(c(INV_LN2), x.get()), m.select(sign.get(), c(-0.5), c(0.5)))),
              I.sub(I.sub(I.const(1), sign.get()), sign.get()),
            ),
          ),
          hi.set(F.sub(x.get(), F.mul(kf(), c(LN2_HI)))),
          lo.set(F.mul(kf(), c(LN2_LO))),
          x.set(F.sub(hi.get(), lo.get())),
        ]),
        m.if(
          I.gt_u(hx.get(), I.const(0x3e300000)),
          m.block(null, [k.set(I.const(0)), hi.set(x.get()), lo.set(c(0))]),
          m.return(F.add(c(1), x.get())),
        ),
      ),
      xx.set(F.mul(x.get(), x.get())),
      cc.set(F.sub(x.get(), F.mul(xx.get(), horner(F, c, xx.get, EXP_P)))),
      y.set(
        F.add(c(1), F.add(F.sub(F.div(F.mul(x.get(), cc.get()), F.sub(c(2), cc.get())), lo.get()), hi.get())),
      ),
      m.if(I.eqz(k.get()), m.return(y.get())),
      lib.call('scalbn_f64', [y.get(), k.get()]),
    ],
    f64,
  );
}

/** y * 2^n without intermediate overflow, rounding once in the subnormal range (musl's scalbn). */
function scalbn(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const y = fb.param(0);
  const n = fb.param(1);
  const up = (): Ref =>
    m.if(
      I.gt_s(n.get(), I.const(1023)),
      m.block(null, [y.set(F.mul(y.get(), F.const(2 ** 1023))), n.set(I.sub(n.get(), I.const(1023)))]),
    );
  const down = (): Ref =>
    m.if(
      I.lt_s(n.get(), I.const(-1022)),
      m.block(null, [y.set(F.mul(y.get(), F.const(2 ** -969))), n.set(I.add(n.get(), I.const(969)))]),
    );
  return m.block(
    null,
    [
      up(),
      up(),
      m.if(I.gt_s(n.get(), I.const(1023)), n.set(I.const(1023))),
      down(),
      down(),
      m.if(I.lt_s(n.get(), I.const(-1022)), n.set(I.const(-1022))),
      F.mul(y.get(), pow2(m, n.get())),
    ],
    f64,
  );
}

function expm1(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const [hx, sign, k] = [fb.local(i32), fb.local(i32), fb.local(i32)];
  const [hi, lo, cc, t, e, hxs, hfx, r1, y] = fb.locals(f64, 9);
  const kf = (): Ref => F.convert_s.i32(k.get());
  const twoToMinusK = (): Ref => pow2(m, I.sub(I.const(0), k.get()));
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      sign.set(I.shr_u(hx.get(), I.const(31))),
      hx.set(I.and(hx.get(), I.const(0x7fffffff))),
      m.if(
        I.ge_u(hx.get(), I.const(0x4043687a)),
        m.block(null, [
          m.if(F.ne(x.get(), x.get()), m.return(x.get())),
          m.if(sign.get(), m.return(c(-1))),
          m.if(F.gt(x.get(), c(7.09782712893383973096e2)), m.return(c(Infinity))),
        ]),
      ),
      cc.set(c(0)),
      m.if(
        I.gt_u(hx.get(), I.const(0x3fd62e42)),
        m.block(null, [
          m.if(
            I.lt_u(hx.get(), I.const(0x3ff0a2b2)),
            m.if(
              sign.get(),
              m.block(null, [hi.set(F.add(x.get(), c(LN2_HI))), lo.set(c(-LN2_LO)), k.set(I.const(-1))]),
              m.block(null, [hi.set(F.sub(x.get(), c(LN2_HI))), lo.set(c(LN2_LO)), k.set(I.const(1))]),
            ),
            m.block(null, [
              k.set(
                I.trunc_s_sat.f64(F.add(F.mul(c(INV_LN2), x.get()), m.select(sign.get(), c(-0.5), c(0.5)))),
              ),
              hi.set(F.sub(x.get(), F.mul(kf(), c(LN2_HI)))),
              lo.set(F.mul(kf(), c(LN2_LO))),
            ]),
          ),
          x.set(F.sub(hi.get(), lo.get())),
          cc.set(F.sub(F.sub(hi.get(), x.get()), lo.get())),
        ]),
        m.if(I.lt_u(hx.get(), I.const(0x3c900000)), m.return(x.get()), k.set(I.const(0))),
      ),
      hfx.set(F.mul(c(0.5), x.get())),
      hxs.set(F.mul(x.get(), hfx.get())),
      r1.set(F.add(c(1), F.mul(hxs.get(), horner(F, c, hxs.get, EXPM1_Q)))),
      t.set(F.sub(c(3), F.mul(r1.get(), hfx.get()))),
      e.set(F.mul(hxs.get(), F.div(F.sub(r1.get(), t.get()), F.sub(c(6), F.mul(x.get(), t.get()))))),
      m.if(I.eqz(k.get()), m.return(F.sub(x.get(), F.sub(F.mul(x.get(), e.get()), hxs.get())))),
      e.set(F.sub(F.mul(x.get(), F.sub(e.get(), cc.get())), cc.get())),
      e.set(F.sub(e.get(), hxs.get())),
      m.if(I.eq(k.get(), I.const(-1)), m.return(F.sub(F.mul(c(0.5), F.sub(x.get(), e.get())), c(0.5)))),
      m.if(
        I.eq(k.get(), I.const(1)),
        m.return(
          m.if(
            F.lt(x.get(), c(-0.25)),
            F.mul(c(-2), F.sub(e.get(), F.add(x.get(), c(0.5)))),
            F.add(c(1), F.mul(c(2), F.sub(x.get(), e.get()))),
          ),
        ),
      ),
      m.if(
        I.or(I.lt_s(k.get(), I.const(0)), I.gt_s(k.get(), I.const(56))),
        m.block(null, [
          y.set(F.add(F.sub(x.get(), e.get()), c(1))),
          y.set(
            m.select(
              I.eq(k.get(), I.const(1024)),
              F.mul(F.mul(y.get(), c(2)), c(2 ** 1023)),
              F.mul(y.get(), pow2(m, k.get())),
            ),
          ),
          m.return(F.sub(y.get(), c(1))),
        ]),
      ),
      F.mul(
        m.if(
          I.lt_s(k.get(), I.const(20)),
          F.add(F.sub(x.get(), e.get()), F.sub(c(1), twoToMinusK())),
          F.add(F.sub(x.get(), F.add(e.get(), twoToMinusK())), c(1)),
        ),
        pow2(m, k.get()),
      ),
    ],
    f64,
  );
}

/** The polynomial part of log(1+f) for 1+f in [sqrt(2)/2, sqrt(2)]: s*(hfsq+R). */
function logTail(fb: FunctionBuilder, f: () => Ref, hfsq: () => Ref): Ref {
  const m = fb.m;
  const F = m.f64;
  const s = fb.local(f64);
  const z = fb.local(f64);
  return m.block(
    null,
    [
      s.set(F.div(f(), F.add(F.const(2), f()))),
      z.set(F.mul(s.get(), s.get())),
      F.mul(s.get(), F.add(hfsq(), F.mul(z.get(), horner(F, F.const, z.get, LG)))),
    ],
    f64,
  );
}

function log(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const [hx, k, i] = [fb.local(i32), fb.local(i32), fb.local(i32)];
  const [f, hfsq, dk] = [fb.local(f64), fb.local(f64), fb.local(f64)];
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      k.set(I.const(0)),
      m.if(
        I.lt_s(hx.get(), I.const(0x00100000)),
        m.block(null, [
          m.if(F.eq(x.get(), c(0)), m.return(c(-Infinity))),
          m.if(I.lt_s(hx.get(), I.const(0)), m.return(c(NaN))),
          k.set(I.const(-54)),
          x.set(F.mul(x.get(), c(2 ** 54))),
          hx.set(hiWord(m, x.get())),
        ]),
      ),
      m.if(I.ge_s(hx.get(), I.const(0x7ff00000)), m.return(F.add(x.get(), x.get()))),
      // normalize x to [sqrt(2)/2, sqrt(2)): k counts the halvings
      k.set(I.add(k.get(), I.sub(I.shr_s(hx.get(), I.const(20)), I.const(1023)))),
      hx.set(I.and(hx.get(), I.const(0x000fffff))),
      i.set(I.and(I.add(hx.get(), I.const(0x95f64)), I.const(0x100000))),
      x.set(withHiWord(m, x.get(), I.or(hx.get(), I.xor(i.get(), I.const(0x3ff00000))))),
      k.set(I.add(k.get(), I.shr_s(i.get(), I.const(20)))),
      f.set(F.sub(x.get(), c(1))),
      dk.set(F.convert_s.i32(k.get())),
      hfsq.set(F.mul(F.mul(c(0.5), f.get()), f.get())),
      F.sub(
        F.mul(dk.get(), c(LN2_HI)),
        F.sub(F.sub(hfsq.get(), F.add(logTail(fb, f.get, hfsq.get), F.mul(dk.get(), c(LN2_LO)))), f.get()),
      ),
    ],
    f64,
  );
}

function log1p(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const [hx, ax, k, hu] = [fb.local(i32), fb.local(i32), fb.local(i32), fb.local(i32)];
  const [f, cc, u, hfsq, dk] = [fb.local(f64), fb.local(f64), fb.local(f64), fb.local(f64), fb.local(f64)];
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      ax.set(I.and(hx.get(), I.const(0x7fffffff))),
      k.set(I.const(1)),
      cc.set(c(0)),
      m.if(
        I.lt_s(hx.get(), I.const(0x3fda827a)),
        m.block(null, [
          m.if(
            I.ge_u(ax.get(), I.const(0x3ff00000)),
            m.return(m.select(F.eq(x.get(), c(-1)), c(-Infinity), c(NaN))),
          ),
          m.if(
            I.lt_u(ax.get(), I.const(0x3e200000)),
            m.return(F.sub(x.get(), F.mul(F.mul(x.get(), x.get()), c(0.5)))),
          ),
          m.if(
            I.or(I.gt_s(hx.get(), I.const(0)), I.le_s(hx.get(), I.const(0xbfd2bec4 | 0))),
            m.block(null, [k.set(I.const(0)), f.set(x.get()), hu.set(I.const(1))]),
          ),
        ]),
      ),
      m.if(I.ge_s(hx.get(), I.const(0x7ff00000)), m.return(F.add(x.get(), x.get()))),
      m.if(
        k.get(),
        m.block(null, [
          // 1+x rounds: carry the rounding error c/u into the result
          m.if(
            I.lt_s(hx.get(), I.const(0x43400000)),
            m.block(null, [
              u.set(F.add(c(1), x.get())),
              hu.set(hiWord(m, u.get())),
              k.set(I.sub(I.shr_s(hu.get(), I.const(20)), I.const(1023))),
              cc.set(
                m.select(
                  I.gt_s(k.get(), I.const(0)),
                  F.sub(c(1), F.sub(u.get(), x.get())),
                  F.sub(x.get(), F.sub(u.get(), c(1))),
                ),
              ),
              cc.set(F.div(cc.get(), u.get())),
            ]),
            m.block(null, [
              u.set(x.get()),
              hu.set(hiWord(m, u.get())),
              k.set(I.sub(I.shr_s(hu.get(), I.const(20)), I.const(1023))),
            ]),
          ),
          hu.set(I.and(hu.get(), I.const(0x000fffff))),
          m.if(
            I.lt_u(hu.get(), I.const(0x6a09e)),
            u.set(withHiWord(m, u.get(), I.or(hu.get(), I.const(0x3ff00000)))),
            m.block(null, [
              k.set(I.add(k.get(), I.const(1))),
              u.set(withHiWord(m, u.get(), I.or(hu.get(), I.const(0x3fe00000)))),
              hu.set(I.shr_u(I.sub(I.const(0x00100000), hu.get()), I.const(2))),
            ]),
          ),
          f.set(F.sub(u.get(), c(1))),
        ]),
      ),
      hfsq.set(F.mul(F.mul(c(0.5), f.get()), f.get())),
      dk.set(F.convert_s.i32(k.get())),
      m.if(
        I.eqz(hu.get()),
        m.block(null, [
          m.if(
            F.eq(f.get(), c(0)),
            m.return(F.add(F.mul(dk.get(), c(LN2_HI)), F.add(cc.get(), F.mul(dk.get(), c(LN2_LO))))),
          ),
          m.return(
            F.sub(
              F.mul(dk.get(), c(LN2_HI)),
              F.sub(
                F.sub(
                  F.mul(hfsq.get(), F.sub(c(1), F.mul(c(0.6666666666666666), f.get()))),
                  F.add(F.mul(dk.get(), c(LN2_LO)), cc.get()),
                ),
                f.get(),
              ),
            ),
          ),
        ]),
      ),
      F.sub(
        F.mul(dk.get(), c(LN2_HI)),
        F.sub(
          F.sub(hfsq.get(), F.add(logTail(fb, f.get, hfsq.get), F.add(F.mul(dk.get(), c(LN2_LO)), cc.get()))),
          f.get(),
        ),
      ),
    ],
    f64,
  );
}

export const expLogRoutines: Record<string, Routine> = {
  exp_f64: { params: [f64], result: f64, build: exp },
  expm1_f64: { params: [f64], result: f64, build: expm1 },
  scalbn_f64: { params: [f64, i32], result: f64, build: scalbn },
  log_f64: { params: [f64], result: f64, build: log },
  log1p_f64: { params: [f64], result: f64, build: log1p },
};
