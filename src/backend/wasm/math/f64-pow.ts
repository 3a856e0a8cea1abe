import { binaryen, type FunctionBuilder, type Ref } from '../binaryen.js';
import { i64c } from './bits.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * pow with C99/numpy special cases (integer exponents keep the sign, pow(x, 0) = pow(1, y) = 1,
 * negative bases with fractional exponents are NaN), fmod (exact, by integer long division of the
 * mantissas, as musl does), and integer powers by repeated squaring (wrapping like numpy).
 */

const f64 = binaryen.f64;
const i32 = binaryen.i32;
const i64 = binaryen.i64;

/**
 * exp(y*log|x|): relative error about (1 + |y*log x|) * 2^-52, ~1e-16 for moderate results and
 * up to ~1e-13 near the overflow threshold; as float32 pow (computed here in double) it is exact
 * to within half an ulp plus 1e-13.
 */
function pow(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const y = fb.param(1);
  const [yInt, yOdd] = fb.locals(i32, 2);
  const r = fb.local(f64);
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
      m.if(
        I.and(F.eq(F.abs(x.get()), c(1)), F.eq(F.abs(y.get()), c(Infinity))),
        m.return(c(1)),
      ),
      r.set(lib.call('exp_f64', [F.mul(y.get(), lib.call('log_f64', [F.abs(x.get())]))])),
      m.select(I.and(yOdd.get(), F.lt(F.copysign(c(1), x.get()), c(0))), F.neg(r.get()), r.get()),
    ],
    f64,
  );
}

function fmod(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const L = m.i64;
  const k = (v: bigint): Ref => i64c(m, v);
  const x = fb.param(0);
  const y = fb.param(1);
  const [ux, uy, sx, i, lz] = fb.locals(i64, 5);
  const [ex, ey] = fb.locals(i32, 2);
  const zero = (): Ref => F.mul(F.const(0), x.get());
  const top = (): Ref => L.shl(k(1n), k(52n));
  // mantissa with its implicit bit, subnormals shifted up so bit 52 is set (exponent goes <= 0)
  const normalize = (u: typeof ux, e: typeof ex): Ref =>
    m.if(
      I.eqz(e.get()),
      m.block(null, [
        lz.set(L.clz(L.shl(u.get(), k(12n)))),
        e.set(I.sub(I.const(0), I.wrap(lz.get()))),
        u.set(L.shl(u.get(), L.add(lz.get(), k(1n)))),
      ]),
      u.set(L.or(L.and(u.get(), k(0xfffffffffffffn)), top())),
    );
  const subtractIfFits = (): Ref =>
    m.block(null, [
      i.set(L.sub(ux.get(), uy.get())),
      m.if(
        L.ge_s(i.get(), k(0n)),
        m.block(null, [m.if(L.eqz(i.get()), m.return(zero())), ux.set(i.get())]),
      ),
    ]);
  return m.block(
    null,
    [
      ux.set(L.reinterpret(x.get())),
      uy.set(L.reinterpret(y.get())),
      ex.set(I.and(I.wrap(L.shr_u(ux.get(), k(52n))), I.const(0x7ff))),
      ey.set(I.and(I.wrap(L.shr_u(uy.get(), k(52n))), I.const(0x7ff))),
      sx.set(L.and(ux.get(), k(-0x8000000000000000n))),
      m.if(
        I.or(I.or(L.eqz(L.shl(uy.get(), k(1n))), F.ne(y.get(), y.get())), I.eq(ex.get(), I.const(0x7ff))),
        m.return(F.const(NaN)),
      ),
      m.if(
        L.le_u(L.shl(ux.get(), k(1n)), L.shl(uy.get(), k(1n))),
        m.return(m.select(L.eq(L.shl(ux.get(), k(1n)), L.shl(uy.get(), k(1n))), zero(), x.get())),
      ),
      normalize(ux, ex),
      normalize(uy, ey),
      m.if(
        I.gt_s(ex.get(), ey.get()),
        m.loop(
          'fmod_loop',
          m.block(null, [
            subtractIfFits(),
            ux.set(L.shl(ux.get(), k(1n))),
            ex.set(I.sub(ex.get(), I.const(1))),
            m.br('fmod_loop', I.gt_s(ex.get(), ey.get())),
          ]),
        ),
      ),
      subtractIfFits(),
      lz.set(L.sub(L.clz(ux.get()), k(11n))),
      ux.set(L.shl(ux.get(), lz.get())),
      ex.set(I.sub(ex.get(), I.wrap(lz.get()))),
      m.if(
        I.gt_s(ex.get(), I.const(0)),
        ux.set(L.or(L.sub(ux.get(), top()), L.shl(L.extend_u(ex.get()), k(52n)))),
        ux.set(L.shr_u(ux.get(), L.extend_u(I.sub(I.const(1), ex.get())))),
      ),
      F.reinterpret(L.or(ux.get(), sx.get())),
    ],
    f64,
  );
}

/** base^exp with wrapping multiplication; negative exponents give 0 except for bases 1 and -1. */
function intPow(wide: boolean, unsigned: boolean) {
  return (fb: FunctionBuilder): Ref => {
    const m = fb.m;
    const T = wide ? m.i64 : m.i32;
    const k = (v: number): Ref => (wide ? i64c(m, BigInt(v)) : m.i32.const(v));
    const base = fb.param(0);
    const exp = fb.param(1);
    const r = fb.local(wide ? i64 : i32);
    const label = 'ipow_loop';
    const negative = unsigned
      ? m.nop()
      : m.if(
          T.lt_s(exp.get(), k(0)),
          m.return(
            m.select(
              T.eq(base.get(), k(1)),
              k(1),
              m.select(
                T.eq(base.get(), k(-1)),
                m.select(T.eqz(T.and(exp.get(), k(1))), k(1), k(-1)),
                k(0),
              ),
            ),
          ),
        );
    return m.block(
      null,
      [
        negative,
        r.set(k(1)),
        m.if(
          T.eqz(exp.get()),
          m.return(r.get()),
        ),
        m.loop(
          label,
          m.block(null, [
            m.if(T.ne(T.and(exp.get(), k(1)), k(0)), r.set(T.mul(r.get(), base.get()))),
            base.set(T.mul(base.get(), base.get())),
            exp.set(T.shr_u(exp.get(), k(1))),
            m.br(label, T.ne(exp.get(), k(0))),
          ]),
        ),
        r.get(),
      ],
      wide ? i64 : i32,
    );
  };
}

export const powRoutines: Record<string, Routine> = {
  pow_f64: { params: [f64, f64], result: f64, build: pow },
  fmod_f64: { params: [f64, f64], result: f64, build: fmod },
  pow_i32: { params: [i32, i32], result: i32, build: intPow(false, false) },
  pow_u32: { params: [i32, i32], result: i32, build: intPow(false, true) },
  pow_i64: { params: [i64, i64], result: i64, build: intPow(true, false) },
  pow_u64: { params: [i64, i64], result: i64, build: intPow(true, true) },
};
