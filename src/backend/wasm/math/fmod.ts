import { binaryen, type FunctionBuilder, type Ref } from '../binaryen.js';
import { i64c } from './bits.js';
import type { Routine } from './library.js';

/**
 * fmod (C semantics: the result has the dividend's sign) computed exactly, by long division of the
 * integer mantissas as musl does; the float32 version runs it on promoted operands, also exact.
 */

const f64 = binaryen.f64;
const i32 = binaryen.i32;
const i64 = binaryen.i64;

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
      m.if(L.ge_s(i.get(), k(0n)), m.block(null, [m.if(L.eqz(i.get()), m.return(zero())), ux.set(i.get())])),
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

export const fmodRoutines: Record<string, Routine> = {
  fmod_f64: { params: [f64, f64], result: f64, build: fmod },
};
