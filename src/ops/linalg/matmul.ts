import { allocate, isBigInt, isFloat, type DType, type TensorData } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { defineOp, OpError } from '../op.js';
import { input } from '../support/infer.js';
import { floatResult, floatView } from './float-io.js';
import { bigintMatmul, floatMatmul, int32Matmul, matmulOutputShape, planMatmul } from './matmul-plan.js';

export const matMul = defineOp({
  type: 'MatMul',
  attrs: {},
  arity: { inputs: [2, 2], outputs: [1, 1] },
  autoCast: { weights: [0, 1], activations: 'convert' },
  infer(ctx) {
    const a = input(ctx, 0);
    const b = input(ctx, 1);
    if (a.dtype !== b.dtype) throw new OpError(`MatMul operands differ in dtype: ${a.dtype} vs ${b.dtype}`);
    if (a.dtype === 'bool') throw new OpError('MatMul does not take bool');
    if (!a.shape || !b.shape) return [{ dtype: a.dtype, shape: undefined }];
    return [{ dtype: a.dtype, shape: matmulOutputShape(a.shape, b.shape) }];
  },
  reference([a, b]) {
    if (!a || !b) throw new OpError('MatMul needs two inputs');
    if (a.dtype !== b.dtype) throw new OpError(`MatMul operands differ in dtype: ${a.dtype} vs ${b.dtype}`);
    return [matmulTensor(a, b)];
  },
});

/** numpy matmul of two tensors of one dtype: floats via the float GEMM, integers wrapping. */
export function matmulTensor(a: Tensor, b: Tensor): Tensor {
  const p = planMatmul(a.shape, b.shape);
  const dtype: DType = a.dtype;
  if (isFloat(dtype)) return floatResult(dtype, p.outShape, floatMatmul(floatView(a), floatView(b), p));
  if (isBigInt(dtype)) {
    const vals = bigintMatmul(a.data as BigInt64Array, b.data as BigInt64Array, p);
    const data = allocate(dtype, vals.length) as BigInt64Array | BigUint64Array;
    for (let i = 0; i < vals.length; i++)
      data[i] = dtype === 'uint64' ? BigInt.asUintN(64, vals[i]!) : vals[i]!;
    return { dtype, shape: p.outShape, data };
  }
  const wrapped = int32Matmul(a.data as ArrayLike<number>, b.data as ArrayLike<number>, p);
  const data = allocate(dtype, wrapped.length) as TensorData;
  // typed-array stores wrap modulo the element width, matching numpy's integer overflow
  (data as Int32Array).set(dtype === 'uint32' ? new Uint32Array(wrapped.buffer) : wrapped);
  return { dtype, shape: p.outShape, data };
}
