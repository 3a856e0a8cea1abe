import { isBigInt, isFloat, isHalf, type DType } from '../../../ir/dtype.js';
import { computeType, isUnsignedDType } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { LoweringUnsupported } from '../lowering.js';
import { roundToBits } from './math.js';
import { Num, to, type Scope } from './scalar.js';

/**
 * Cast as src/ops/elementwise/convert.ts defines it (numpy's astype on x86-64), as an expression of
 * the loaded value `x` that the store of `dst` finishes. Where the IR's convert differs (it
 * saturates and sends NaN to 0; the reference gives the "integer indefinite" INT_MIN), compares and
 * selects build the reference's result. Every float result is rounded once.
 */
export function castExpr(s: Scope, x: Expr, src: DType, dst: DType): Expr {
  if (dst === 'bool') return new Num(computeType(src)).ne(x, new Num(computeType(src)).c(0));
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
  if (isBigInt(src)) {
    throw new LoweringUnsupported(`Cast from ${src} to bfloat16 (needs one rounding from 64 bits) is not lowered`);
  }
  if (src === 'int32' || src === 'uint32') {
    // exact in f64, then one rounding to 8 bits (f32 would round first above 2^24)
    return roundToBits(s, to(x, 'f64', unsigned), 8, 0, 31);
  }
  return to(x, 'f32', unsigned); // 8/16-bit integers and bool are exact in f32
}

/** Integers wrap: the store keeps the low bits; widening to 64 bits extends by the source's signedness. */
function intToInt(x: Expr, src: DType, dst: DType): Expr {
  return to(x, computeType(dst), isUnsignedDType(src));
}

/** Whether a same-dtype cast is a copy (halves move as bits so NaN payloads survive). */
export function copyDType(dtype: DType): DType {
  return isHalf(dtype) ? 'uint16' : dtype;
}
