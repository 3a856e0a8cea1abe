import { allocate, isBigInt, isFloat, isHalf, type DType, type TensorData } from '../../ir/dtype.js';
import { float32ToBfloat16Bits, float32ToFloat16Bits } from '../../ir/half.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { decodeFloats } from '../support/float.js';
import type { Readable, Writable } from './walk.js';

/**
 * Value conversion between any two of our dtypes, as numpy's astype does it on x86-64:
 * floats truncate toward zero into integers; NaN, infinities and out-of-range values become the
 * "integer indefinite" INT_MIN of the 32- or 64-bit conversion the cast goes through; integers
 * wrap modulo 2^bits; anything to bool is `!= 0` (NaN is true). Every float result is rounded once,
 * even from float64 or int64 sources (see toFloat32Odd).
 */
export function convertTensor(t: Tensor, to: DType): Tensor {
  const n = t.data.length;
  if (t.dtype === to) return tensor(to, t.shape, t.data.slice() as TensorData);
  const out = allocate(to, n) as TensorData;
  if (isBigInt(t.dtype)) fromBigint(t.data as BigInt64Array, to, out);
  else if (isFloat(t.dtype)) fromFloat(decodeFloats(t), t.dtype === 'float64', to, out);
  else fromInteger(t.data as Readable<number>, to, out);
  return tensor(to, t.shape, out);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/**
 * x rounded to float32 with round-to-odd: an inexact result gets an odd last bit. Rounding that
 * to a float of 11 or 8 significant bits is then correctly rounded, whereas rounding twice to
 * nearest can land exactly on a tie of the narrower format and break it the wrong way.
 */
export function toFloat32Odd(x: number): number {
  f32[0] = x;
  const r = f32[0]!;
  if (r === x || r !== r || !Number.isFinite(r)) return r;
  if ((u32[0]! & 1) === 0) u32[0] = u32[0]! + (Math.abs(x) > Math.abs(r) ? 1 : -1);
  return f32[0]!;
}

/** A bigint as a double with round-to-odd, for the same reason, before rounding to float32 or less. */
function bigintToDoubleOdd(v: bigint): number {
  const d = Number(v);
  const exact = BigInt(d);
  if (exact === v) return d;
  f64[0] = d;
  if ((u64[0]! & 1n) === 0n) u64[0] = u64[0]! + (v > exact === d > 0 ? 1n : -1n);
  return f64[0]!;
}

/** Stores doubles into a float dtype, rounding once; `wide` marks values that are not float32 already. */
function storeFloats(src: Readable<number>, wide: boolean, to: DType, out: TensorData): void {
  const n = out.length;
  if (to === 'float32' || to === 'float64') {
    (out as Float64Array).set(src as ArrayLike<number>);
    return;
  }
  const encode = to === 'float16' ? float32ToFloat16Bits : float32ToBfloat16Bits;
  const o = out as Uint16Array;
  if (wide) for (let i = 0; i < n; i++) o[i] = encode(toFloat32Odd(src[i]!));
  else for (let i = 0; i < n; i++) o[i] = encode(src[i]!);
}

export function floatToInt32(x: number): number {
  return x > -2147483649 && x < 2147483648 ? Math.trunc(x) : -2147483648;
}

/**
 * Unsigned targets convert [2^(n-1), 2^n) directly and everything else through the signed
 * conversion, as x86 compilers emit it; so 2^n and beyond (and +inf) give 0.
 */
function floatToUint32(x: number): number {
  if (x >= 2147483648) return x < 4294967296 ? Math.trunc(x) : 0;
  return floatToInt32(x);
}

export function floatToInt64(x: number): bigint {
  return x >= -(2 ** 63) && x < 2 ** 63 ? BigInt(Math.trunc(x)) : -(2n ** 63n);
}

export function floatToUint64(x: number): bigint {
  if (x >= 2 ** 63) return x < 2 ** 64 ? BigInt(Math.trunc(x)) : 0n;
  return BigInt.asUintN(64, floatToInt64(x));
}

function fromFloat(src: Float32Array | Float64Array, wide: boolean, to: DType, out: TensorData): void {
  const n = src.length;
  if (isFloat(to)) return storeFloats(src, wide, to, out);
  if (to === 'bool') {
    for (let i = 0; i < n; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else if (to === 'int64') {
    for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = floatToInt64(src[i]!);
  } else if (to === 'uint64') {
    for (let i = 0; i < n; i++) (out as BigUint64Array)[i] = floatToUint64(src[i]!);
  } else if (to === 'uint32') {
    for (let i = 0; i < n; i++) out[i] = floatToUint32(src[i]!);
  } else {
    // int8/16/32 and uint8/16 go through the int32 conversion, then keep their low bits
    for (let i = 0; i < n; i++) out[i] = floatToInt32(src[i]!);
  }
}

function fromInteger(src: Readable<number>, to: DType, out: TensorData): void {
  const n = src.length;
  if (to === 'bool') {
    for (let i = 0; i < n; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else if (isBigInt(to)) {
    for (let i = 0; i < n; i++) (out as Writable<bigint>)[i] = BigInt(src[i]!);
  } else if (isHalf(to)) {
    storeFloats(src, true, to, out);
  } else {
    // typed-array set converts element by element: modular for integers, rounded once for floats
    (out as Float64Array).set(src as ArrayLike<number>);
  }
}

function fromBigint(src: BigInt64Array | BigUint64Array, to: DType, out: TensorData): void {
  const n = src.length;
  if (isBigInt(to)) {
    (out as BigInt64Array).set(src as BigInt64Array); // modular, as BigInt.asIntN/asUintN
  } else if (to === 'bool') {
    for (let i = 0; i < n; i++) out[i] = src[i] !== 0n ? 1 : 0;
  } else if (to === 'float64') {
    for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
  } else if (isFloat(to)) {
    const odd = new Float64Array(n);
    for (let i = 0; i < n; i++) odd[i] = bigintToDoubleOdd(src[i]!);
    storeFloats(odd, true, to, out);
  } else {
    // the low 32 bits, signed; the store then keeps the low bits of the target width
    for (let i = 0; i < n; i++) out[i] = Number(BigInt.asIntN(32, src[i]!));
  }
}
