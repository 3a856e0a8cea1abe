import type { Module, Ref } from '../binaryen.js';

/** Bit-level access to doubles, as fdlibm's GET_HIGH_WORD / INSERT_WORDS macros do. */

export function i64c(m: Module, v: bigint): Ref {
  return m.i64.const(v);
}

/** The upper 32 bits of a double (sign, exponent, top of the mantissa). */
export function hiWord(m: Module, x: Ref): Ref {
  return m.i32.wrap(m.i64.shr_u(m.i64.reinterpret(x), i64c(m, 32n)));
}

export function loWord(m: Module, x: Ref): Ref {
  return m.i32.wrap(m.i64.reinterpret(x));
}

export function fromWords(m: Module, hi: Ref, lo: Ref): Ref {
  return m.f64.reinterpret(m.i64.or(m.i64.shl(m.i64.extend_u(hi), i64c(m, 32n)), m.i64.extend_u(lo)));
}

/** x with its high word replaced. */
export function withHiWord(m: Module, x: Ref, hi: Ref): Ref {
  return fromWords(m, hi, loWord(m, x));
}

/** x with the low 32 bits cleared: a "head" whose square is exact. */
export function withLoZero(m: Module, x: Ref): Ref {
  return m.f64.reinterpret(m.i64.and(m.i64.reinterpret(x), i64c(m, -0x100000000n)));
}

/** 2^k for k in the normal range [-1022, 1023]. */
export function pow2(m: Module, k: Ref): Ref {
  return m.f64.reinterpret(m.i64.shl(m.i64.extend_s(m.i32.add(k, m.i32.const(1023))), i64c(m, 52n)));
}

/** 2^k as float32 for k in [-126, 127]. */
export function pow2f(m: Module, k: Ref): Ref {
  return m.f32.reinterpret(m.i32.shl(m.i32.add(k, m.i32.const(127)), m.i32.const(23)));
}
