import { isBigInt, isFloat, isHalf, type DType } from '../../../ir/dtype.js';
import { computeType, isUnsignedDType } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { roundToBits } from './math.js';
import { Num, to, type Scope } from './scalar.js';

/**
 * Cast as src/ops/elementwise/convert.ts defines it (numpy's astype on x86-64), as an expression of
 * the loaded value `x` that the store of `dst` finishes. Where the IR's convert differs (it
 * saturates and sends NaN to 0; the reference gives the "integer indefinite" INT_MIN), compares and
 * selects build the reference's result. Every float result is rounded once.
 */
export function castExpr(s: Scope, x: Expr, src: DType, dst: DType): Expr {
  if (dst === 'bool') {
    const n = new Num(computeType(src));
    return n.ne(x, n.c(0)); // NaN is true
  }
  if (isFloat(src)) return isFloat(dst) ? floatToFloat(s, x, src, dst) : floatToInt(s, x, src, dst);
  return isFloat(dst) ? intToFloat(s, x, src, dst) : intToInt(x, src, dst);
}

function floatToFloat(s: Scope, x: Expr, src: DType, dst: DType): Expr {
  if (src !== 'float64') return to(x, computeType(dst)); // f32 values are exact; the store rounds once
  if (dst === 'float16') return roundToBits(s, x, 11, -14, 15);
  if (dst === 'bfloat16') return roundToBits(s, x, 8, -126, 127);
  return to(x, computeType(dst));
}

const INT32_MIN = -(2 ** 31);
const INT64_MIN = -(2n ** 63n);

/**
 * Truncation toward zero; NaN, infinities and values out of the 32- or 64-bit conversion's range give
 * its INT_MIN. Unsigned 32/64-bit targets convert [2^(n-1), 2^n) directly (2^n and above give 0) and
 * the rest like the signed conversion. Narrower targets keep the low bits of the int32 conversion.
 */
function floatToInt(s: Scope, x: Expr, src: DType, dst: DType): Expr {
  const f = new Num(computeType(src));
  const v = s.let(x);
  const wide = isBigInt(dst);
  const t = wide ? 'i64' : 'i32';
  const i = new Num(t);
  const half = wide ? 2 ** 63 : 2 ** 31;
  const min = wide ? i.c(INT64_MIN) : i.c(INT32_MIN);
  const signed = i.sel(f.lt(v, f.c(half)), to(v, t), min);
  if (dst !== 'uint32' && dst !== 'uint64') return signed;
  const high = i.sel(f.lt(v, f.c(2 * half)), to(v, t, true), i.c(0));
  return i.sel(f.ge(v, f.c(half)), high, signed);
}

function intToFloat(s: Scope, x: Expr, src: DType, dst: DType): Expr {
  const unsigned = isUnsignedDType(src);
  if (dst !== 'bfloat16') {
    // f16: a 32- or 64-bit integer that f32 rounds is far beyond float16's range (inf either way)
    return to(x, computeType(dst), unsigned);
  }
  if (isBigInt(src)) return bigintToBfloat16(s, x, src === 'int64');
  if (src === 'int32' || src === 'uint32') {
    // exact in f64, then one rounding to 8 bits (f32 would round first above 2^24)
    return roundToBits(s, to(x, 'f64', unsigned), 8, 0, 31);
  }
  return to(x, 'f32', unsigned); // 8/16-bit integers and bool are exact in f32
}

/**
 * A 64-bit integer rounded once to bfloat16. Above 2^53 the conversion to f64 would round first, so
 * the magnitude's bits below 2^44 (all under the rounding bit, which is at 2^45 or higher there) are
 * jammed into one sticky bit at 2^43: the value then fits f64 exactly and rounds as the original.
 */
function bigintToBfloat16(s: Scope, x: Expr, signed: boolean): Expr {
  const i = new Num('i64', true);
  const v = s.let(x);
  const negative = signed ? s.let(new Num('i64').lt(v, i.c(0))) : undefined;
  // |INT64_MIN| wraps to itself, which reads correctly as the unsigned 2^63
  const a = s.let(negative ? i.sel(negative, i.sub(i.c(0), v), v) : v);
  const low = 2n ** 44n - 1n;
  const jammed = i.or(i.and(a, i.c(~low)), i.sel(i.ne(i.and(a, i.c(low)), i.c(0)), i.c(2n ** 43n), i.c(0)));
  const magnitude = s.let(to(i.sel(i.ge(a, i.c(2n ** 53n)), jammed, a), 'f64', true));
  const f = new Num('f64');
  return roundToBits(s, negative ? f.sel(negative, f.neg(magnitude), magnitude) : magnitude, 8, 0, 63);
}

/** Integers wrap: the store keeps the low bits; widening to 64 bits extends by the source's signedness. */
function intToInt(x: Expr, src: DType, dst: DType): Expr {
  return to(x, computeType(dst), isUnsignedDType(src));
}

/**
 * The dtype to load and store an element as when moving it unchanged: halves as their uint16 bits
 * (widening to f32 and rounding back would canonicalize NaN payloads), everything else as itself.
 */
export function copyDType(dtype: DType): DType {
  return isHalf(dtype) ? 'uint16' : dtype;
}
