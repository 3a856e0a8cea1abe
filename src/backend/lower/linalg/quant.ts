import { integerRange, type DType } from '../../../ir/dtype.js';
import { sizeOf } from '../../../ir/tensor.js';
import {
  binary,
  computeType,
  constant,
  convert,
  isUnsignedDType,
  load,
  select,
  unary,
} from '../../kernel/build.js';
import type { Expr, Index, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported } from '../lowering.js';
import { ix } from './common.js';
import { levelVar, nest } from './nest.js';

/** Quantization arithmetic shared by the quantizing lowerings: parameter indexing and requantization. */

/** A value widened to the compute scalar `t` (loads widen to f32/f64/i32/i64, then one convert). */
export function widen(buffer: string, dtype: DType, index: Index, t: Scalar): Expr {
  return convert(computeType(dtype), t, load(buffer, dtype, index), isUnsignedDType(dtype));
}

/**
 * round-half-even(v) + zp, clamped to the quantized dtype, as an i32 for the store; a NaN becomes
 * the zero point (as the reference and onnxruntime do). `v` and `zp` are in the float type `t`.
 */
export function saturate(t: Scalar, v: Expr, zp: Expr | undefined, dtype: DType): Expr {
  const [lo, hi] = integerRange(dtype).map(Number) as [number, number];
  const r = unary('nearest', t, v);
  const z = zp ?? constant(t, 0);
  const shifted = zp ? binary('add', t, r, zp) : r;
  const q = select(t, unary('isnan', t, r), z, shifted);
  const clamped = binary('max', t, binary('min', t, q, constant(t, hi)), constant(t, lo));
  return convert(t, 'i32', clamped, dtype === 'uint32');
}

/**
 * Loops over every element of x with the index of its quantization parameter: per-tensor (a
 * single value), per-axis (a 1-D parameter along `axis`) or blocked (`blockSize` elements of the
 * axis share one), the layouts QuantizeLinear and DequantizeLinear accept.
 */
export function paramLoops(
  prefix: string,
  xShape: readonly number[],
  paramShape: readonly number[],
  axis: number,
  blockSize: number,
  body: (x: Index, p: Index) => Stmt[],
): Stmt[] {
  const n = sizeOf(xShape);
  const rank = xShape.length;
  if (sizeOf(paramShape) === 1 && paramShape.length <= 1 && blockSize === 0) {
    const v = levelVar(`${prefix}i`, n);
    return nest([{ v, extent: n, vectorize: true }], body(ix(0, [[v, 1]]), ix(0, [])), true);
  }
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank) throw new LoweringUnsupported(`quantization axis ${axis} for rank ${rank}`);
  const A = xShape[ax]!;
  const outer = sizeOf(xShape.slice(0, ax));
  const inner = sizeOf(xShape.slice(ax + 1));
  const [o, a, i] = [levelVar(`${prefix}o`, outer), `${prefix}a`, levelVar(`${prefix}i`, inner)];
  if (paramShape.length === 1 && blockSize === 0) {
    if (paramShape[0] !== A)
      throw new LoweringUnsupported(`per-axis parameters [${paramShape}] for axis of ${A}`);
    const levels = [
      { v: o, extent: outer },
      { v: levelVar(a, A), extent: A, vectorize: inner === 1 },
      { v: i, extent: inner, vectorize: true },
    ];
    const av = levelVar(a, A);
    return nest(
      levels,
      body(
        ix(0, [
          [o, A * inner],
          [av, inner],
          [i, 1],
        ]),
        ix(0, [[av, 1]]),
      ),
      true,
    );
  }
  const Ab = Math.ceil(A / blockSize);
  if (
    blockSize <= 0 ||
    paramShape.length !== rank ||
    paramShape.some((d, k) => d !== (k === ax ? Ab : xShape[k]))
  )
    throw new LoweringUnsupported(
      `parameters [${paramShape}] do not fit [${xShape}] blocked by ${blockSize}`,
    );
  const full = Math.floor(A / blockSize);
  const rest = A - full * blockSize;
  const b = levelVar(`${prefix}b`, full);
  const out: Stmt[] = [];
  // whole blocks, then the partial last block
  for (const [blocks, size, first] of [
    [full, blockSize, 0],
    [rest ? 1 : 0, rest, full],
  ] as const) {
    if (!blocks || !size) continue;
    const bv = blocks > 1 ? b : undefined;
    const av = levelVar(a, size);
    const xIx = ix(first * blockSize * inner, [
      [o, A * inner],
      [bv, blockSize * inner],
      [av, inner],
      [i, 1],
    ]);
    const pIx = ix(first * inner, [
      [o, Ab * inner],
      [bv, inner],
      [i, 1],
    ]);
    const levels = [
      { v: o, extent: outer },
      { v: bv, extent: blocks },
      { v: av, extent: size, vectorize: inner === 1 },
      { v: i, extent: inner, vectorize: true },
    ];
    out.push(...nest(levels, body(xIx, pIx), true));
  }
  return out;
}
