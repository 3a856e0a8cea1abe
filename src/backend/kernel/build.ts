import type { DType } from '../../ir/dtype.js';
import type { BinaryFn, CompareFn, Expr, Index, Scalar, Stmt, UnaryFn } from './ir.js';

/** Small constructors that keep lowerings readable. */

/** The dtype part of kernel names, in XNNPACK's grammar (`add_bcast_f32`, `cast_f64_f16`). */
export const DTYPE_SHORT_NAMES: Readonly<Record<DType, string>> = {
  float32: 'f32',
  float16: 'f16',
  bfloat16: 'bf16',
  float64: 'f64',
  int8: 'i8',
  int16: 'i16',
  int32: 'i32',
  int64: 'i64',
  uint8: 'u8',
  uint16: 'u16',
  uint32: 'u32',
  uint64: 'u64',
  bool: 'b8',
};

export function computeType(dtype: DType): Scalar {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return 'f32';
    case 'float64':
      return 'f64';
    case 'int64':
    case 'uint64':
      return 'i64';
    default:
      return 'i32';
  }
}

export function isUnsignedDType(dtype: DType): boolean {
  return (
    dtype === 'uint8' || dtype === 'uint16' || dtype === 'uint32' || dtype === 'uint64' || dtype === 'bool'
  );
}

/** Row-major contiguous index of loop variables `vars` over `shape` (size-1 dims drop out). */
export function contiguous(vars: readonly string[], shape: readonly number[], offset = 0): Index {
  const terms: { v: string; stride: number }[] = [];
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i]! !== 1) terms.unshift({ v: vars[i]!, stride });
    stride *= shape[i]!;
  }
  return { terms, offset };
}

export function strided(vars: readonly string[], strides: readonly number[], offset = 0): Index {
  const terms = vars.map((v, i) => ({ v, stride: strides[i]! })).filter((t) => t.stride !== 0);
  return { terms, offset };
}

export function load(buffer: string, dtype: DType, index: Index): Expr {
  return { op: 'load', buffer, dtype, index };
}

export function store(buffer: string, dtype: DType, index: Index, value: Expr): Stmt {
  return { op: 'store', buffer, dtype, index, value };
}

export function constant(type: Scalar, value: number | bigint): Expr {
  return { op: 'const', type, value };
}

export function unary(fn: UnaryFn, type: Scalar, x: Expr): Expr {
  return { op: 'unary', fn, type, x };
}

export function binary(fn: BinaryFn, type: Scalar, a: Expr, b: Expr, unsigned = false): Expr {
  return unsigned ? { op: 'binary', fn, type, a, b, unsigned } : { op: 'binary', fn, type, a, b };
}

export function compare(fn: CompareFn, type: Scalar, a: Expr, b: Expr, unsigned = false): Expr {
  return unsigned ? { op: 'compare', fn, type, a, b, unsigned } : { op: 'compare', fn, type, a, b };
}

export function select(type: Scalar, cond: Expr, a: Expr, b: Expr): Expr {
  return { op: 'select', type, cond, a, b };
}

export function convert(from: Scalar, to: Scalar, x: Expr, unsigned = false): Expr {
  if (from === to) return x;
  return unsigned ? { op: 'convert', from, to, x, unsigned } : { op: 'convert', from, to, x };
}

/** Nested loops over `shape` with variables `${prefix}0..`, innermost marked vectorizable and outermost parallel. */
export function loopNest(
  prefix: string,
  shape: readonly number[],
  body: (vars: string[]) => readonly Stmt[],
  opts: { vectorize?: boolean; parallel?: boolean } = {},
): Stmt[] {
  const vars = shape.map((_, i) => `${prefix}${i}`);
  let inner: readonly Stmt[] = body(vars);
  for (let i = shape.length - 1; i >= 0; i--) {
    const loop: Stmt = {
      op: 'loop',
      v: vars[i]!,
      extent: shape[i]!,
      body: inner,
      ...(i === shape.length - 1 && opts.vectorize ? { vectorize: true } : {}),
      ...(i === 0 && opts.parallel ? { parallel: true } : {}),
    };
    inner = [loop];
  }
  return [...inner];
}
