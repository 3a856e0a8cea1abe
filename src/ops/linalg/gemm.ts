import type { Dim } from '../../ir/shape.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { broadcastIndex, broadcastOrFail } from '../support/broadcast.js';
import { input } from '../support/infer.js';
import { floatResult, floatView } from './float-io.js';
import { gemm as gemmKernel, view, type FloatArray } from './gemm-kernel.js';

/** Y = alpha * A' @ B' + beta * C, with A' = A or A^T (transA), and C broadcast to [M, N]. */
export const gemm = defineOp({
  type: 'Gemm',
  attrs: { alpha: attr.float(1), beta: attr.float(1), transA: attr.int(0), transB: attr.int(0) },
  arity: { inputs: [2, 3], outputs: [1, 1] },
  autoCast: { weights: [0, 1], activations: 'convert' },
  infer(ctx) {
    const a = input(ctx, 0);
    const b = input(ctx, 1);
    if (a.dtype !== b.dtype) throw new OpError(`Gemm operands differ in dtype: ${a.dtype} vs ${b.dtype}`);
    if (!a.shape || !b.shape) return [{ dtype: a.dtype, shape: undefined }];
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new OpError('Gemm takes 2-D A and B');
    const [m, ka] = ctx.attrs.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, n] = ctx.attrs.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb)
      throw new OpError(`Gemm inner dims differ: ${ka} vs ${kb}`);
    const out: Dim[] = [m, n];
    const c = ctx.inputs[2];
    if (c?.shape) {
      if (c.shape.length > 2) throw new OpError('Gemm C must have rank <= 2');
      const bc = broadcastOrFail([out, c.shape]);
      // unidirectional: C may grow to [M, N], never [M, N] to C
      if (bc.some((d, i) => typeof d === 'number' && typeof out[i] === 'number' && d !== out[i])) {
        throw new OpError(`Gemm C [${c.shape}] does not broadcast to [${out}]`);
      }
    }
    return [{ dtype: a.dtype, shape: out }];
  },
  reference([a, b, c], attrs) {
    if (!a || !b) throw new OpError('Gemm needs A and B');
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new OpError('Gemm takes 2-D A and B');
    const av = orient(floatView(a), a.shape, attrs.transA !== 0);
    const bv = orient(floatView(b), b.shape, attrs.transB !== 0);
    if (av.cols !== bv.rows) throw new OpError(`Gemm inner dims differ: ${av.cols} vs ${bv.rows}`);
    const M = av.rows;
    const N = bv.cols;
    const K = av.cols;
    const y = av.data instanceof Float32Array ? new Float32Array(M * N) : new Float64Array(M * N);
    gemmKernel(M, N, K, view(av.data, 0, K), view(bv.data, 0, N), view(y, 0, N), attrs.alpha);
    if (c && attrs.beta !== 0) {
      const fits =
        c.shape.length <= 2 && c.shape.every((d, i) => d === 1 || d === [M, N][i + 2 - c.shape.length]);
      if (!fits) throw new OpError(`Gemm C [${c.shape}] does not broadcast to [${M}, ${N}]`);
      const cv = floatView(c);
      const idx = broadcastIndex([M, N], c.shape);
      const beta = attrs.beta;
      for (let i = 0; i < y.length; i++) y[i] += beta * cv[idx[i]!]!;
    }
    return [floatResult(a.dtype, [M, N], y)];
  },
});

/** A matrix in row-major [rows, cols] order, transposing once when asked. */
function orient(
  data: FloatArray,
  shape: readonly number[],
  transpose: boolean,
): { data: FloatArray; rows: number; cols: number } {
  const [r, c] = shape as [number, number];
  if (!transpose) return { data, rows: r, cols: c };
  const t = data instanceof Float64Array ? new Float64Array(r * c) : new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = data[i * c + j]!;
  return { data: t, rows: c, cols: r };
}
