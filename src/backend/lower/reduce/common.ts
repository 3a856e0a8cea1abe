import { integerRange, isFloat, type DType } from '../../../ir/dtype.js';
import type { Tensor } from '../../../ir/tensor.js';
import {
  binary,
  compare,
  computeType,
  constant,
  select,
  unary,
  DTYPE_SHORT_NAMES,
} from '../../kernel/build.js';
import type { Expr, Scalar } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import { collapse, rowMajor, type Dim, type Rows } from './rows.js';

/** Helpers shared by the reduce family's lowerings: dtype names, identities, row layouts, constants. */

const SHORT = DTYPE_SHORT_NAMES;

/** The dtype as it ends a kernel name (`softmax_lastaxis_f32`). */
export function dtypeTag(dtype: DType): string {
  return SHORT[dtype] ?? dtype;
}

export function input(ctx: LowerContext, i: number, what: string): LoweredValue {
  const v = ctx.inputs[i];
  if (!v) throw new LoweringUnsupported(`${ctx.node.op} needs ${what}`);
  return v;
}

export function output(ctx: LowerContext, i = 0): LoweredValue {
  const v = ctx.outputs[i];
  if (!v) throw new LoweringUnsupported(`${ctx.node.op} output ${i} is omitted`);
  return v;
}

/** The integer values of a constant input, or an error naming it when it is computed at run time. */
export function constantInts(ctx: LowerContext, i: number, what: string): number[] {
  const v = input(ctx, i, what);
  if (!v.constant) throw new LoweringUnsupported(`${what} must be a compile-time constant`);
  return Array.from(v.constant.data as ArrayLike<number | bigint>, Number);
}

export function isConstant(v: LoweredValue | undefined): v is LoweredValue & { constant: Tensor } {
  return v?.constant !== undefined;
}

/** The compute type of floats (f32 for halves too) and a guard against integer inputs. */
export function floatType(dtype: DType, op: string): Scalar {
  if (!isFloat(dtype)) throw new LoweringUnsupported(`${op} takes float tensors, not ${dtype}`);
  return computeType(dtype);
}

/** The smallest value of `dtype` in its compute type (-inf for floats): the identity of max. */
export function lowest(dtype: DType): Expr {
  return extreme(dtype, 0);
}

/** The largest value of `dtype` in its compute type (+inf for floats): the identity of min. */
export function highest(dtype: DType): Expr {
  return extreme(dtype, 1);
}

function extreme(dtype: DType, which: 0 | 1): Expr {
  const type = computeType(dtype);
  if (type === 'f32' || type === 'f64') return constant(type, which ? Infinity : -Infinity);
  const v = integerRange(dtype)[which];
  // unsigned maxima are stored as their bit pattern
  return type === 'i64'
    ? constant('i64', BigInt.asIntN(64, v))
    : constant('i32', Number(BigInt.asIntN(32, v)));
}

export function zero(type: Scalar): Expr {
  return constant(type, type === 'i64' ? 0n : 0);
}

export function one(type: Scalar): Expr {
  return constant(type, type === 'i64' ? 1n : 1);
}

/** x when finite, else 0 (x - x is 0 exactly for finite x, NaN otherwise). */
export function finiteOr0(type: Scalar, x: Expr): Expr {
  return select(type, compare('eq', type, binary('sub', type, x, x), zero(type)), x, zero(type));
}

/** 1 / sqrt(v + eps) */
export function invSqrt(type: Scalar, v: Expr, eps: number): Expr {
  return binary(
    'div',
    type,
    constant(type, 1),
    unary('sqrt', type, binary('add', type, v, constant(type, eps))),
  );
}

/**
 * A tensor as rows: dims where `reduced(d)` holds are walked along a row, the others pick the row.
 * Slot X strides over `shape`, slot STAT over the kept dims (row-major), further slots from `extra`
 * (per slot, one stride per dim). Runs of dims of one kind collapse; a kept last run becomes the
 * vectorized inner dim unless `innerLoop` is false.
 */
export function rowsOf(
  shape: readonly number[],
  reduced: (d: number) => boolean,
  opts: { readonly extra?: readonly (readonly number[])[]; readonly innerLoop?: boolean } = {},
): Rows {
  const x = rowMajor(shape);
  const keptShape = shape.filter((_, d) => !reduced(d));
  const keptStrides = rowMajor(keptShape);
  let k = 0;
  const runs: { reduced: boolean; dims: Dim[] }[] = [];
  shape.forEach((extent, d) => {
    const r = reduced(d);
    const stat = r ? 0 : keptStrides[k++]!;
    if (extent === 1) return;
    const dim: Dim = { extent, strides: [x[d]!, stat, ...(opts.extra ?? []).map((s) => s[d]!)] };
    const last = runs[runs.length - 1];
    if (last && last.reduced === r) last.dims.push(dim);
    else runs.push({ reduced: r, dims: [dim] });
  });
  const collapsed = runs.map((run) => ({ reduced: run.reduced, dims: collapse(run.dims) }));
  const tail = collapsed[collapsed.length - 1];
  let innerDim: Dim | undefined;
  if (tail && !tail.reduced && opts.innerLoop !== false) {
    innerDim = tail.dims.pop();
  }
  const outer = collapsed.filter((r) => !r.reduced).flatMap((r) => r.dims);
  const reducedDims = collapsed.filter((r) => r.reduced).flatMap((r) => r.dims);
  if (innerDim && outer.length === 0) {
    // a reduction over leading axes (e.g. axis 0 of [R, K]) has no row loop to share among threads:
    // cut the inner dim into chunks that become the rows
    const chunk = [256, 128, 64].find((q) => innerDim!.extent % q === 0 && innerDim!.extent >= 4 * q);
    if (chunk) {
      outer.push({ extent: innerDim.extent / chunk, strides: innerDim.strides.map((st) => st * chunk) });
      innerDim = { extent: chunk, strides: innerDim.strides };
    }
  }
  return { outer, reduced: reducedDims, ...(innerDim ? { inner: innerDim } : {}) };
}

/** Per-dim strides of a parameter broadcast (right-aligned) over `shape`; 0 along broadcast dims. */
export function broadcastStrides(param: readonly number[], shape: readonly number[]): number[] {
  if (param.length > shape.length)
    throw new LoweringUnsupported(`[${param}] does not broadcast to [${shape}]`);
  const own = rowMajor(param);
  const out = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < param.length; i++) {
    const d = shape.length - param.length + i;
    if (param[i] !== 1 && param[i] !== shape[d])
      throw new LoweringUnsupported(`[${param}] does not broadcast to [${shape}]`);
    out[d] = param[i] === 1 ? 0 : own[i]!;
  }
  return out;
}

export function product(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}
