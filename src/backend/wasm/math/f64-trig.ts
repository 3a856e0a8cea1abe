import { binaryen, horner, type FunctionBuilder, type Ref } from '../binaryen.js';
import { hiWord, withLoZero } from './bits.js';
import type { MathLibrary, Routine } from './library.js';
import { remPio2 } from './rem-pio2.js';

/**
 * sin, cos, tan in double precision after fdlibm: reduce modulo pi/2 (rem-pio2.ts), then minimax
 * polynomials on [-pi/4, pi/4] that take the reduction's tail y into account. Error < 1 ulp.
 */

const S = [
  -1.66666666666666324348e-1, 8.33333333332248946124e-3, -1.98412698298579493134e-4,
  2.75573137070700676789e-6, -2.50507602534068634195e-8, 1.58969099521155010221e-10,
];
const C = [
  4.16666666666666019037e-2, -1.38888888888741095749e-3, 2.48015872894767294178e-5,
  -2.75573143513906633035e-7, 2.0875723212981748279e-9, -1.13596475577881948265e-11,
];
const T = [
  3.33333333333334091986e-1, 1.33333333333201242699e-1, 5.39682539762260521377e-2, 2.18694882948595424599e-2,
  8.86323982359930005737e-3, 3.59207910759131235356e-3, 1.45620945432529025516e-3, 5.88041240820264096874e-4,
  2.46463134818469906812e-4, 7.817944429395570923e-5, 7.14072491382608190305e-5, -1.85586374855275456654e-5,
  2.59073051863633712884e-5,
];
const PIO4 = 7.85398163397448278999e-1;
const PIO4_LO = 3.06161699786838301793e-17;

const f64 = binaryen.f64;
const i32 = binaryen.i32;

/** sin(x + y) for |x| <= pi/4, y the tail of x. */
function kernelSin(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const y = fb.param(1);
  const [z, r, v] = fb.locals(f64, 3);
  return m.block(
    null,
    [
      z.set(F.mul(x.get(), x.get())),
      r.set(horner(F, c, z.get, S.slice(1))),
      v.set(F.mul(z.get(), x.get())),
      F.sub(
        x.get(),
        F.sub(
          F.sub(F.mul(z.get(), F.sub(F.mul(c(0.5), y.get()), F.mul(v.get(), r.get()))), y.get()),
          F.mul(v.get(), c(S[0]!)),
        ),
      ),
    ],
    f64,
  );
}

/** cos(x + y) for |x| <= pi/4. */
function kernelCos(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const y = fb.param(1);
  const [z, r, hz, w] = fb.locals(f64, 4);
  return m.block(
    null,
    [
      z.set(F.mul(x.get(), x.get())),
      r.set(F.mul(z.get(), horner(F, c, z.get, C))),
      hz.set(F.mul(c(0.5), z.get())),
      w.set(F.sub(c(1), hz.get())),
      F.add(
        w.get(),
        F.add(F.sub(F.sub(c(1), w.get()), hz.get()), F.sub(F.mul(z.get(), r.get()), F.mul(x.get(), y.get()))),
      ),
    ],
    f64,
  );
}

/** tan(x + y) (odd = 0) or -1/tan(x + y) (odd = 1) for |x| <= pi/4. */
function kernelTan(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const y = fb.param(1);
  const odd = fb.param(2);
  const [z, r, v, w, s, a, t] = fb.locals(f64, 7);
  const [hx, big] = fb.locals(i32, 2);
  const even = (k: number[]): number[] => k.filter((_, i) => i % 2 === 0);
  const oddCoefficients = (k: number[]): number[] => k.filter((_, i) => i % 2 === 1);
  const iy = (): Ref => F.sub(c(1), F.mul(c(2), F.convert_s.i32(odd.get())));
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      big.set(I.ge_u(I.and(hx.get(), I.const(0x7fffffff)), I.const(0x3fe59428))),
      // near pi/4, use tan(pi/4 - y) = (1 - tan y) / (1 + tan y)
      m.if(
        big.get(),
        m.block(null, [
          m.if(I.lt_s(hx.get(), I.const(0)), m.block(null, [x.set(F.neg(x.get())), y.set(F.neg(y.get()))])),
          x.set(F.add(F.sub(c(PIO4), x.get()), F.sub(c(PIO4_LO), y.get()))),
          y.set(c(0)),
        ]),
      ),
      z.set(F.mul(x.get(), x.get())),
      w.set(F.mul(z.get(), z.get())),
      r.set(horner(F, c, w.get, oddCoefficients(T))),
      v.set(F.mul(z.get(), horner(F, c, w.get, even(T).slice(1)))),
      s.set(F.mul(z.get(), x.get())),
      r.set(F.add(y.get(), F.mul(z.get(), F.add(F.mul(s.get(), F.add(r.get(), v.get())), y.get())))),
      r.set(F.add(r.get(), F.mul(c(T[0]!), s.get()))),
      w.set(F.add(x.get(), r.get())),
      m.if(
        big.get(),
        m.return(
          F.mul(
            m.select(I.lt_s(hx.get(), I.const(0)), c(-1), c(1)),
            F.sub(
              iy(),
              F.mul(
                c(2),
                F.sub(x.get(), F.sub(F.div(F.mul(w.get(), w.get()), F.add(w.get(), iy())), r.get())),
              ),
            ),
          ),
        ),
      ),
      m.if(I.eqz(odd.get()), m.return(w.get())),
      // -1/(x+r) with the head/tail split that keeps it within 1 ulp
      z.set(withLoZero(m, w.get())),
      v.set(F.sub(r.get(), F.sub(z.get(), x.get()))),
      a.set(F.div(c(-1), w.get())),
      t.set(withLoZero(m, a.get())),
      s.set(F.add(c(1), F.mul(t.get(), z.get()))),
      F.add(t.get(), F.mul(a.get(), F.add(s.get(), F.mul(t.get(), v.get())))),
    ],
    f64,
  );
}

type Which = 'sin' | 'cos' | 'tan';

/** Shared shell: tiny and non-finite arguments, reduction, then the kernel for the quadrant. */
function trig(which: Which) {
  return (fb: FunctionBuilder, lib: MathLibrary): Ref => {
    const m = fb.m;
    const F = m.f64;
    const I = m.i32;
    const x = fb.param(0);
    const ix = fb.local(i32);
    const tiny = { sin: 0x3e500000, cos: 0x3e46a09e, tan: 0x3e400000 }[which];
    const small =
      which === 'sin'
        ? lib.call('ksin_f64', [x.get(), F.const(0)])
        : which === 'cos'
          ? lib.call('kcos_f64', [x.get(), F.const(0)])
          : lib.call('ktan_f64', [x.get(), F.const(0), I.const(0)]);
    const red = remPio2(fb, lib, x, ix);
    const q = (): Ref => I.and(red.n.get(), I.const(3));
    const sinR = (): Ref => lib.call('ksin_f64', [red.y0.get(), red.y1.get()]);
    const cosR = (): Ref => lib.call('kcos_f64', [red.y0.get(), red.y1.get()]);
    // quadrant 0..3: sin -> sin, cos, -sin, -cos; cos -> cos, -sin, -cos, sin
    const pick = (a: () => Ref, b: () => Ref): Ref =>
      m.if(I.lt_u(q(), I.const(2)), m.if(I.eqz(q()), a(), b()), F.neg(m.if(I.eq(q(), I.const(2)), a(), b())));
    const result =
      which === 'sin'
        ? pick(sinR, cosR)
        : which === 'cos'
          ? pick(cosR, () => F.neg(sinR()))
          : lib.call('ktan_f64', [red.y0.get(), red.y1.get(), I.and(red.n.get(), I.const(1))]);
    return m.block(
      null,
      [
        ix.set(I.and(hiWord(m, x.get()), I.const(0x7fffffff))),
        m.if(
          I.le_u(ix.get(), I.const(0x3fe921fb)),
          m.return(m.if(I.lt_u(ix.get(), I.const(tiny)), which === 'cos' ? F.const(1) : x.get(), small)),
        ),
        m.if(I.ge_u(ix.get(), I.const(0x7ff00000)), m.return(F.sub(x.get(), x.get()))),
        red.code,
        result,
      ],
      f64,
    );
  };
}

export const trigRoutines: Record<string, Routine> = {
  ksin_f64: { params: [f64, f64], result: f64, build: kernelSin },
  kcos_f64: { params: [f64, f64], result: f64, build: kernelCos },
  ktan_f64: { params: [f64, f64, i32], result: f64, build: kernelTan },
  sin_f64: { params: [f64], result: f64, build: trig('sin') },
  cos_f64: { params: [f64], result: f64, build: trig('cos') },
  tan_f64: { params: [f64], result: f64, build: trig('tan') },
};
