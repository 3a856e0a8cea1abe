import type { DType } from '../../../ir/dtype.js';
import { sizeOf, type Tensor } from '../../../ir/tensor.js';
import { decodeFloats } from '../../../ops/support/float.js';
import { computeType, load, store } from '../../kernel/build.js';
import type { Expr, GemmCall, Index, Kernel, MatrixRef, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import { Num } from '../elementwise/scalar.js';
import { convertKernel, ix, kernel, loop, suffix } from '../linalg/common.js';

export { ix, kernel, loop, suffix };

/**
 * Helpers shared by the recurrent lowerings. Every op of the family computes in float32 (float16 and
 * bfloat16 widened on load, rounded once on the final store, as the reference rounds its float64
 * result once) or in float64 for float64 tensors, where products run as loop nests since the GEMM
 * micro-kernel is float32 only.
 */

/** The storage dtype intermediate state is kept in. */
export function computeDType(dtype: DType): 'float32' | 'float64' {
  if (dtype === 'float64') return 'float64';
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') return 'float32';
  throw new LoweringUnsupported(`dtype ${dtype}`);
}

/** Expression builders in the compute type of `dtype`. */
export function numFor(cdt: 'float32' | 'float64'): Num {
  return new Num(computeType(cdt));
}

/** A float tensor of `shape` in dtype `cdt` from plain values. */
export function floatTensor(
  cdt: 'float32' | 'float64',
  shape: readonly number[],
  data: ArrayLike<number>,
): Tensor {
  return cdt === 'float64'
    ? { dtype: 'float64', shape: [...shape], data: Float64Array.from(data) }
    : { dtype: 'float32', shape: [...shape], data: Float32Array.from(data) };
}

/** The values of a constant as float32/float64 numbers. */
export function constantValues(t: Tensor): Float32Array | Float64Array {
  return decodeFloats(t);
}

/**
 * Input `v` as a buffer of dtype `cdt`: itself when it already is, a converted constant, or a
 * scratch copy widened by a kernel pushed onto `pre`.
 */
export function staged(
  ctx: LowerContext,
  v: LoweredValue,
  cdt: 'float32' | 'float64',
  hint: string,
  pre: Kernel[],
): string {
  if (v.dtype === cdt) return v.buffer;
  if (v.constant) return ctx.constant(floatTensor(cdt, v.shape, decodeFloats(v.constant)), hint);
  const n = sizeOf(v.shape);
  const buffer = ctx.scratch(cdt, n, hint);
  pre.push(convertKernel(ctx, v, { buffer, dtype: cdt }, n));
  return buffer;
}

export function matrix(buffer: string, offset: number, rowStride: number, colStride = 1): MatrixRef {
  return { buffer, offset, rowStride, colStride };
}

/**
 * C = A B (+ C) (+ bias): the GEMM call in float32, a loop nest with the same semantics in float64
 * (every operand a buffer of the compute dtype).
 */
export function matmul(ctx: LowerContext, cdt: 'float32' | 'float64', g: Omit<GemmCall, 'op'>): Stmt[] {
  if (cdt === 'float32') return [{ op: 'gemm', ...g }];
  const f = ctx.fresh('mm');
  const [i, j, k, acc] = [`${f}i`, `${f}j`, `${f}k`, `${f}acc`];
  const at = (r: MatrixRef, row: string, col: string): Index =>
    ix(r.offset, [
      [row, r.rowStride],
      [col, r.colStride],
    ]);
  const accE: Expr = { op: 'local', name: acc, type: 'f64' };
  const n = new Num('f64');
  const cIx = at(g.c, i, j);
  let result: Expr = accE;
  if (g.bias) {
    const b = ix(g.bias.offset, [[g.bias.along === 'row' ? i : j, 1]]);
    result = n.add(accE, load(g.bias.buffer, 'float64', b));
  }
  const body: Stmt[] = [
    { op: 'set', name: acc, type: 'f64', value: g.accumulate ? load(g.c.buffer, 'float64', cIx) : n.c(0) },
    loop(k, g.k, [
      {
        op: 'set',
        name: acc,
        type: 'f64',
        value: n.add(
          accE,
          n.mul(load(g.a.buffer, 'float64', at(g.a, i, k)), load(g.b.buffer, 'float64', at(g.b, k, j))),
        ),
      },
    ]),
    store(g.c.buffer, 'float64', cIx, result),
  ];
  return [loop(i, g.m, [loop(j, g.n, body)])];
}

/** A local of compute type `t`. */
export function local(name: string, t: Scalar): Expr {
  return { op: 'local', name, type: t };
}

export function set(name: string, t: Scalar, value: Expr): Stmt {
  return { op: 'set', name, type: t, value };
}
