import { binaryen, horner, type FunctionBuilder, type Ref } from '../binaryen.js';
import { hiWord, withLoZero } from './bits.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * erf in double precision after fdlibm: x + x*R(x^2) near 0, a rational fit around 1, and
 * 1 - exp(-x^2 - 0.5625 + R/S)/x beyond, with -x^2 split exactly so the exponent loses nothing.
 */

const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
const PP = [
  1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2,
  -5.77027029648944159157e-3, -2.37630166566501626084e-5,
];
const QQ = [
  1, 3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3,
  1.32494738004321644526e-4, -3.9602282787753681232e-6,
];
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1,
  3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.166375594868790843e-3,
];
const QA = [
  1, 1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2,
  1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.1984499846799107417e-2,
];
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1,
  -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1,
  -9.81432934416914548592,
];
const SA = [
  1, 1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2,
  4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
];
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1,
  -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const SB = [
  1, 3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3,
  2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1,
];

const f64 = binaryen.f64;
const i32 = binaryen.i32;

function erf(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const ix = fb.local(i32);
  const [a, z, s, r] = fb.locals(f64, 4);
  const poly = (t: () => Ref, k: readonly number[]): Ref => horner(F, c, t, k);
  const sign = (v: Ref): Ref => F.copysign(v, x.get());
  return m.block(
    null,
    [
      ix.set(I.and(hiWord(m, x.get()), I.const(0x7fffffff))),
      a.set(F.abs(x.get())),
      m.if(F.ne(x.get(), x.get()), m.return(x.get())),
      m.if(
        I.lt_u(ix.get(), I.const(0x3feb0000)),
        m.return(
          m.if(
            I.lt_u(ix.get(), I.const(0x3e300000)),
            F.add(x.get(), F.mul(c(EFX), x.get())),
            m.block(
              null,
              [
                z.set(F.mul(x.get(), x.get())),
                F.add(x.get(), F.mul(x.get(), F.div(poly(z.get, PP), poly(z.get, QQ)))),
              ],
              f64,
            ),
          ),
        ),
      ),
      m.if(
        I.lt_u(ix.get(), I.const(0x3ff40000)),
        m.return(
          m.block(
            null,
            [s.set(F.sub(a.get(), c(1))), sign(F.add(c(ERX), F.div(poly(s.get, PA), poly(s.get, QA))))],
            f64,
          ),
        ),
      ),
      m.if(I.ge_u(ix.get(), I.const(0x40180000)), m.return(sign(c(1)))),
      s.set(F.div(c(1), F.mul(a.get(), a.get()))),
      r.set(
        m.if(
          I.lt_u(ix.get(), I.const(0x4006db6e)),
          F.div(poly(s.get, RA), poly(s.get, SA)),
          F.div(poly(s.get, RB), poly(s.get, SB)),
        ),
      ),
      z.set(withLoZero(m, a.get())),
      r.set(
        F.mul(
          lib.call('exp_f64', [F.sub(F.neg(F.mul(z.get(), z.get())), c(0.5625))]),
          lib.call('exp_f64', [F.add(F.mul(F.sub(z.get(), a.get()), F.add(z.get(), a.get())), r.get())]),
        ),
      ),
      sign(F.sub(c(1), F.div(r.get(), a.get()))),
    ],
    f64,
  );
}

export const erfRoutines: Record<string, Routine> = {
  erf_f64: { params: [f64], result: f64, build: erf },
};
