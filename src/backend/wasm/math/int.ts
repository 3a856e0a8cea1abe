import { binaryen, type FunctionBuilder, type Ref } from '../binaryen.js';
import { i64c } from './bits.js';
import type { Routine } from './library.js';

/**
 * Integer division, remainder and shifts with every input defined, so no input traps the whole
 * run: x / 0 = 0 and x % 0 = 0 (wasm would trap), INT_MIN / -1 wraps to INT_MIN (wasm traps),
 * and shifts by the type's width or more give 0 (or the sign fill for arithmetic right shifts) as
 * numpy does, where wasm would take the count modulo the width. Integer powers square repeatedly
 * and wrap.
 */

const i32 = binaryen.i32;
const i64 = binaryen.i64;

type Kind = 'div_s' | 'div_u' | 'rem_s' | 'rem_u' | 'shl' | 'shr_u' | 'shr_s';

function build(kind: Kind, wide: boolean) {
  return (fb: FunctionBuilder): Ref => {
    const m = fb.m;
    const T = wide ? m.i64 : m.i32;
    const k = (v: number): Ref => (wide ? i64c(m, BigInt(v)) : m.i32.const(v));
    const a = fb.param(0);
    const b = fb.param(1);
    const bits = wide ? 64 : 32;
    switch (kind) {
      case 'div_s':
        return m.if(
          T.eqz(b.get()),
          k(0),
          m.if(T.eq(b.get(), k(-1)), T.sub(k(0), a.get()), T.div_s(a.get(), b.get())),
        );
      case 'div_u':
        return m.if(T.eqz(b.get()), k(0), T.div_u(a.get(), b.get()));
      case 'rem_s':
        return m.if(T.eqz(b.get()), k(0), T.rem_s(a.get(), b.get()));
      case 'rem_u':
        return m.if(T.eqz(b.get()), k(0), T.rem_u(a.get(), b.get()));
      case 'shl':
        return m.select(T.ge_u(b.get(), k(bits)), k(0), T.shl(a.get(), b.get()));
      case 'shr_u':
        return m.select(T.ge_u(b.get(), k(bits)), k(0), T.shr_u(a.get(), b.get()));
      case 'shr_s':
        return T.shr_s(a.get(), m.select(T.ge_u(b.get(), k(bits)), k(bits - 1), b.get()));
    }
  };
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
              m.select(T.eq(base.get(), k(-1)), m.select(T.eqz(T.and(exp.get(), k(1))), k(1), k(-1)), k(0)),
            ),
          ),
        );
    return m.block(
      null,
      [
        negative,
        r.set(k(1)),
        m.if(T.eqz(exp.get()), m.return(r.get())),
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

const KINDS: readonly Kind[] = ['div_s', 'div_u', 'rem_s', 'rem_u', 'shl', 'shr_u', 'shr_s'];

export const intRoutines: Record<string, Routine> = {
  ...Object.fromEntries(
    KINDS.flatMap((kind) => [
      [`${kind}_i32`, { params: [i32, i32], result: i32, build: build(kind, false) }],
      [`${kind}_i64`, { params: [i64, i64], result: i64, build: build(kind, true) }],
    ]),
  ),
  pow_i32: { params: [i32, i32], result: i32, build: intPow(false, false) },
  pow_u32: { params: [i32, i32], result: i32, build: intPow(false, true) },
  pow_i64: { params: [i64, i64], result: i64, build: intPow(true, false) },
  pow_u64: { params: [i64, i64], result: i64, build: intPow(true, true) },
};
