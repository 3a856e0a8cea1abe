import type { DType } from '../../../ir/dtype.js';
import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  isUnsignedDType,
  load,
  select,
} from '../../kernel/build.js';
import type { CompareFn, Expr, Index, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import { isFloatType } from '../linalg/common.js';

/**
 * Expression helpers for the image family's kernels, which are mostly scalar arithmetic on
 * locals (coordinates, tap weights) rather than elementwise maps: short names keep the formulas
 * close to the reference code they mirror operation by operation.
 */

export const var_ = (name: string): Expr => ({ op: 'var', name });
export const i32 = (v: number): Expr => constant('i32', v);
export const f64 = (v: number): Expr => constant('f64', v);

/** Arithmetic and comparisons in one scalar type. */
export function ops(t: Scalar) {
  const bin = (fn: 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max' | 'rem') => (a: Expr, b: Expr) =>
    binary(fn, t, a, b);
  const cmp = (fn: CompareFn) => (a: Expr, b: Expr) => compare(fn, t, a, b);
  return {
    c: (v: number | bigint): Expr => constant(t, v),
    add: bin('add'),
    sub: bin('sub'),
    mul: bin('mul'),
    div: bin('div'),
    min: bin('min'),
    max: bin('max'),
    rem: bin('rem'),
    lt: cmp('lt'),
    le: cmp('le'),
    gt: cmp('gt'),
    ge: cmp('ge'),
    eq: cmp('eq'),
    ne: cmp('ne'),
  };
}

export const F = ops('f64');
export const I = ops('i32');
export const S = ops('f32');

export const and = (...cs: Expr[]): Expr => cs.reduce((a, b) => binary('and', 'i32', a, b));
export const or = (...cs: Expr[]): Expr => cs.reduce((a, b) => binary('or', 'i32', a, b));

/** Locals of one kernel under a unique prefix: `set` declares/updates, `get` reads. */
export interface Locals {
  set(name: string, type: Scalar, value: Expr): Stmt;
  get(name: string, type: Scalar): Expr;
}

export function locals(prefix: string): Locals {
  return {
    set: (name, type, value) => ({ op: 'set', name: `${prefix}${name}`, type, value }),
    get: (name, type) => ({ op: 'local', name: `${prefix}${name}`, type }),
  };
}

export function when(cond: Expr, then: readonly Stmt[], otherwise: readonly Stmt[] = []): Stmt {
  return { op: 'if', cond, then, else: otherwise };
}

/** A float element widened to f64 (halves through f32, exactly). */
export function loadF64(buffer: string, dtype: DType, index: Index): Expr {
  return convert(computeType(dtype), 'f64', load(buffer, dtype, index));
}

/** An f64 value in the compute type of `dtype`, ready to store (one rounding for float32). */
export function narrow(dtype: DType, value: Expr): Expr {
  return convert('f64', computeType(dtype), value);
}

export function requireFloat(ctx: LowerContext, v: LoweredValue, what: string): void {
  if (!isFloatType(v.dtype)) throw new LoweringUnsupported(`${ctx.node.op} ${what} of ${v.dtype}`);
}

/** A float64 constant table. */
export function f64Table(ctx: LowerContext, values: ArrayLike<number>, hint: string): string {
  return ctx.constant({ dtype: 'float64', shape: [values.length], data: Float64Array.from(values) }, hint);
}

export function i32Table(ctx: LowerContext, values: ArrayLike<number>, hint: string): string {
  return ctx.constant({ dtype: 'int32', shape: [values.length], data: Int32Array.from(values) }, hint);
}

/** The number of a scalar constant input, or undefined when absent or empty. */
export function constantScalar(ctx: LowerContext, i: number, what: string): number | undefined {
  const v = ctx.inputs[i];
  if (!v || v.shape.reduce((a, b) => a * b, 1) === 0) return undefined;
  if (!v.constant) throw new LoweringUnsupported(`${what} must be a compile-time constant`);
  return Number(v.constant.data[0]!);
}

/** Any numeric element as f64, as the reference's decodeFloats reads it (unsigned ints unsigned). */
export function loadNumber(buffer: string, dtype: DType, index: Index): Expr {
  const t = computeType(dtype);
  return convert(t, 'f64', load(buffer, dtype, index), isUnsignedDType(dtype));
}

/**
 * An f64 result stored as the reference's float kernels store it into an integer (or bool)
 * tensor: rounded to float32 first (their working buffer), then as a typed-array store converts
 * (truncation, modular wrap, NaN and infinities to 0; int64 takes the x86 "integer indefinite"
 * INT64_MIN for values out of its range; bool is value != 0). Floats just narrow.
 */
export function encodeNumber(dtype: DType, value: Expr): Expr {
  if (isFloatType(dtype)) return narrow(dtype, value);
  const v = convert('f32', 'f64', convert('f64', 'f32', value));
  const abs: Expr = { op: 'unary', fn: 'abs', type: 'f64', x: v };
  const inRange = F.lt(abs, f64(2 ** 63));
  if (dtype === 'bool') return and(F.ne(v, f64(0)), F.eq(v, v));
  if (dtype === 'int64' || dtype === 'uint64') {
    return select('i64', inRange, convert('f64', 'i64', v), constant('i64', -(2n ** 63n)));
  }
  // beyond 2^63 a float32 is a multiple of 2^40: 0 modulo 2^32
  return convert('i64', 'i32', select('i64', inRange, convert('f64', 'i64', v), constant('i64', 0n)));
}
