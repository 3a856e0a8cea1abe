import type { Tensor } from '../../ir/tensor.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { floatMatmul, matmulOutputShape, planMatmul } from './matmul-plan.js';
import { checkQuantized, matmulParamIndex, quantizeInto, shifted } from './quant-common.js';

/**
 * Integer products computed in float64 after subtracting zero points: exact while |sums| < 2^53,
 * i.e. for any K below ~10^8 with 8-bit operands.
 */
function integerProduct(a: Tensor, azp: Tensor | undefined, b: Tensor, bzp: Tensor | undefined) {
  const p = planMatmul(a.shape, b.shape);
  const av = shifted(a, azp, matmulParamIndex(a.shape, azp, 'a'));
  const bv = shifted(b, bzp, matmulParamIndex(b.shape, bzp, 'b'));
  return { plan: p, acc: floatMatmul(av, bv, p) as Float64Array };
}

export const matMulInteger = defineOp({
  type: 'MatMulInteger',
  attrs: {},
  arity: { inputs: [2, 4], outputs: [1, 1] },
  infer(ctx) {
    const a = input(ctx, 0);
    const b = input(ctx, 1);
    if (!a.shape || !b.shape) return [{ dtype: 'int32', shape: undefined }];
    return [{ dtype: 'int32', shape: matmulOutputShape(a.shape, b.shape) }];
  },
  reference([a, b, azp, bzp]) {
    if (!a || !b) throw new OpError('MatMulInteger needs A and B');
    const { plan, acc } = integerProduct(a, azp, b, bzp);
    return [{ dtype: 'int32', shape: plan.outShape, data: Int32Array.from(acc) }];
  },
});

/** Index of the per-row (a) or per-column (b) scale of each output element of a [.., M, N] result. */
function outputParam(scale: Tensor, side: 'a' | 'b', outShape: readonly number[]): (i: number) => number {
  const v = decodeFloats(scale);
  if (v.length === 1) return () => v[0]!;
  const N = outShape[outShape.length - 1]!;
  const M = outShape.length > 1 ? outShape[outShape.length - 2]! : 1;
  return side === 'a' ? (i) => v[Math.floor(i / N) % M]! : (i) => v[i % N]!;
}

export const qLinearMatMul = defineOp({
  type: 'QLinearMatMul',
  attrs: {},
  arity: { inputs: [8, 8], outputs: [1, 1] },
  infer(ctx) {
    const a = input(ctx, 0);
    const b = input(ctx, 3);
    const dtype = input(ctx, 7).dtype;
    checkQuantized(dtype, 'QLinearMatMul');
    if (!a.shape || !b.shape) return [{ dtype, shape: undefined }];
    return [{ dtype, shape: matmulOutputShape(a.shape, b.shape) }];
  },
  reference([a, aScale, azp, b, bScale, bzp, yScale, yzp]) {
    if (!a || !aScale || !b || !bScale || !yScale || !yzp)
      throw new OpError('QLinearMatMul needs all 8 inputs');
    const { plan, acc } = integerProduct(a, azp, b, bzp);
    const as = outputParam(aScale, 'a', plan.outShape);
    const bs = outputParam(bScale, 'b', plan.outShape);
    const ys = decodeFloats(yScale)[0]!;
    const f = Math.fround;
    const q = new Float64Array(acc.length);
    // the combined multiplier is formed in float32 like the scales themselves
    for (let i = 0; i < q.length; i++) q[i] = acc[i]! * f(f(as(i) * bs(i)) / ys);
    const z = Number(yzp.data[0]);
    return [quantizeInto(q, yzp.dtype, () => z, plan.outShape)];
  },
});
