import { binaryen, type FunctionBuilder, type Ref } from '../binaryen.js';
import { i64c } from './bits.js';
import type { Routine } from './library.js';

/**
 * Integer division, remainder and shifts with every input defined, so no input traps the whole
 * run: x / 0 = 0 and x % 0 = 0 (wasm would trap), INT_MIN / -1 wraps to INT_MIN (wasm traps),
 * and shifts by the type's width or more give 0 (or the sign fill for arithmetic right shifts) as
 * numpy does, where wasm would take the count modulo the width.
 */

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

const KINDS: readonly Kind[] = ['div_s', 'div_u', 'rem_s', 'rem_u', 'shl', 'shr_u', 'shr_s'];

export const intRoutines: Record<string, Routine> = Object.fromEntries(
  KINDS.flatMap((kind) => [
    [
      `${kind}_i32`,
      { params: [binaryen.i32, binaryen.i32], result: binaryen.i32, build: build(kind, false) },
    ],
    [`${kind}_i64`, { params: [binaryen.i64, binaryen.i64], result: binaryen.i64, build: build(kind, true) }],
  ]),
);
