/**
 * Reductions (mean/sum/max/min/prod over axes, with keepdims and `exclude`), norm, argmax/argmin
 * (which give float indices in MXNet), and the matrix products dot and batch_dot.
 */
import { attr } from '../../graph-builder.js';
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import type { MxOpContext, MxOp, MxOpTable } from '../op-context.js';

function axesOf(c: MxOpContext, rank: number): number[] {
  const given = c.attrs.has('axis') ? c.attrs.ints('axis', []).map((a) => c.axis(a, rank)) : [];
  const all = Array.from({ length: rank }, (_, i) => i);
  if (given.length === 0) return all;
  return c.attrs.bool('exclude', false) ? all.filter((a) => !given.includes(a)) : given;
}

/** MXNet 1.x has no 0-d arrays: a reduction to a scalar gives shape [1]. */
function atLeast1d(c: MxOpContext, y: string): string {
  return c.rankOf(y) === 0 ? c.one('Reshape', [y, c.ints64([1])]) : y;
}

const reduce = (onnx: string): MxOp => ({
  lower: (c) => {
    const x = c.input(0);
    const axes = axesOf(c, c.rankOf(x));
    const keep = c.attrs.bool('keepdims', false) ? 1 : 0;
    return [atLeast1d(c, c.one(onnx, [x, c.ints64(axes)], { keepdims: attr.int(keep) }))];
  },
});

const argReduce = (onnx: string): MxOp => ({
  lower: (c) => {
    let x = c.input(0);
    const dtype = c.dtypeOf(x);
    let axis = 0;
    if (c.attrs.has('axis')) axis = c.axis(c.attrs.int('axis', 0), c.rankOf(x));
    else x = c.one('Reshape', [x, c.ints64([-1])]);
    const keep = c.attrs.bool('keepdims', false) ? 1 : 0;
    const idx = c.one(onnx, [x], { axis: attr.int(axis), keepdims: attr.int(keep) });
    return [atLeast1d(c, c.one('Cast', [idx], { to: attr.int(codeOfDType(dtype)) }))];
  },
});

function norm(c: MxOpContext): string[] {
  const x = c.input(0);
  const ord = c.attrs.int('ord', 2);
  const axes = axesOf(c, c.rankOf(x));
  const keep = attr.int(c.attrs.bool('keepdims', false) ? 1 : 0);
  return [atLeast1d(c, c.one(ord === 1 ? 'ReduceL1' : 'ReduceL2', [x, c.ints64(axes)], { keepdims: keep }))];
}

function transposedLast2(c: MxOpContext, x: string): string {
  const rank = c.rankOf(x);
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return c.one('Transpose', [x], { perm: attr.ints(perm) });
}

function batchDot(c: MxOpContext): string[] {
  let a = c.input(0);
  let b = c.input(1);
  if (c.attrs.bool('transpose_a', false)) a = transposedLast2(c, a);
  if (c.attrs.bool('transpose_b', false)) b = transposedLast2(c, b);
  return [c.one('MatMul', [a, b])];
}

/** dot of N-D arrays: a's last axis (first, transposed) with b's first (last, transposed). */
function dot(c: MxOpContext): string[] {
  let a = c.input(0);
  let b = c.input(1);
  const ta = c.attrs.bool('transpose_a', false);
  const tb = c.attrs.bool('transpose_b', false);
  const sa = c.shapeOf(a);
  const sb = c.shapeOf(b);
  // as matrices: a [m, k], b [k, n]
  const k = ta ? sa[0]! : sa[sa.length - 1]!;
  const aRows = ta ? sa.slice(1) : sa.slice(0, -1);
  const bCols = tb ? sb.slice(0, -1) : sb.slice(1);
  const m = aRows.reduce((x, y) => x * y, 1);
  const n = bCols.reduce((x, y) => x * y, 1);
  a = c.one('Reshape', [a, c.ints64(ta ? [k, m] : [m, k])]);
  b = c.one('Reshape', [b, c.ints64(tb ? [n, k] : [k, n])]);
  const y = c.one('Gemm', [a, b], { transA: attr.int(ta ? 1 : 0), transB: attr.int(tb ? 1 : 0) });
  return [c.one('Reshape', [y, c.ints64([...aRows, ...bCols])])];
}

export const REDUCE_OPS: MxOpTable = {
  mean: reduce('ReduceMean'),
  sum: reduce('ReduceSum'),
  sum_axis: reduce('ReduceSum'),
  max: reduce('ReduceMax'),
  max_axis: reduce('ReduceMax'),
  min: reduce('ReduceMin'),
  min_axis: reduce('ReduceMin'),
  prod: reduce('ReduceProd'),
  norm: { lower: norm },
  argmax: argReduce('ArgMax'),
  argmin: argReduce('ArgMin'),
  batch_dot: { lower: batchDot },
  dot: { lower: dot },
};
