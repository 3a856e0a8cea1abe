import type { Dim, Shape } from '../../ir/shape.js';
import { sizeOf } from '../../ir/tensor.js';
import { OpError } from '../op.js';
import { broadcastIndex, broadcastOrFail } from '../support/broadcast.js';
import { gemm, view, type FloatArray } from './gemm-kernel.js';

/**
 * numpy matmul semantics shared by MatMul, MatMulInteger, QLinearMatMul and Einsum: a 1-D left
 * operand gains a leading 1 and a 1-D right operand a trailing 1 (both removed from the result),
 * and the leading (batch) dims broadcast.
 */
export function matmulOutputShape(a: Shape, b: Shape): Dim[] {
  if (a.length === 0 || b.length === 0) throw new OpError('MatMul operands must have rank >= 1');
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const k1 = a2[a2.length - 1]!;
  const k2 = b2[b2.length - 2]!;
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new OpError(`MatMul inner dims differ: [${a}] @ [${b}]`);
  }
  const batch = broadcastOrFail([a2.slice(0, -2), b2.slice(0, -2)]);
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

/** Static plan: sizes and, for each output batch, the batch index of each operand. */
export interface MatmulPlan {
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly batches: number;
  readonly aBatch: Int32Array;
  readonly bBatch: Int32Array;
  readonly outShape: number[];
}

export function planMatmul(a: readonly number[], b: readonly number[]): MatmulPlan {
  const outShape = matmulOutputShape(a, b) as number[];
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batchShape = broadcastOrFail([a2.slice(0, -2), b2.slice(0, -2)]) as number[];
  return {
    M: a2[a2.length - 2]!,
    K: a2[a2.length - 1]!,
    N: b2[b2.length - 1]!,
    batches: sizeOf(batchShape),
    aBatch: broadcastIndex(batchShape, a2.slice(0, -2)),
    bBatch: broadcastIndex(batchShape, b2.slice(0, -2)),
    outShape,
  };
}

/** Batched float product; the result has the storage type of `a`. */
export function floatMatmul(a: FloatArray, b: FloatArray, p: MatmulPlan): FloatArray {
  const { M, K, N } = p;
  const out =
    a instanceof Float64Array ? new Float64Array(p.batches * M * N) : new Float32Array(p.batches * M * N);
  for (let t = 0; t < p.batches; t++) {
    gemm(
      M,
      N,
      K,
      view(a, p.aBatch[t]! * M * K, K),
      view(b, p.bBatch[t]! * K * N, N),
      view(out, t * M * N, N),
    );
  }
  return out;
}

/**
 * Integer product with the wrap-around of the output type (numpy semantics). Sums are kept modulo
 * 2^32 (Math.imul, Int32Array storage), which is exact for every integer type up to 32 bits.
 */
export function int32Matmul(a: ArrayLike<number>, b: ArrayLike<number>, p: MatmulPlan): Int32Array {
  const { M, K, N } = p;
  const out = new Int32Array(p.batches * M * N);
  for (let t = 0; t < p.batches; t++) {
    const ao = p.aBatch[t]! * M * K;
    const bo = p.bBatch[t]! * K * N;
    for (let i = 0; i < M; i++) {
      const oo = (t * M + i) * N;
      for (let k = 0; k < K; k++) {
        const av = a[ao + i * K + k]! | 0;
        const bRow = bo + k * N;
        for (let j = 0; j < N; j++) out[oo + j] += Math.imul(av, b[bRow + j]! | 0);
      }
    }
  }
  return out;
}

/** 64-bit integer product, wrapping modulo 2^64. */
export function bigintMatmul(
  a: BigInt64Array | BigUint64Array,
  b: BigInt64Array | BigUint64Array,
  p: MatmulPlan,
): bigint[] {
  const { M, K, N } = p;
  const out = new Array<bigint>(p.batches * M * N).fill(0n);
  for (let t = 0; t < p.batches; t++) {
    const ao = p.aBatch[t]! * M * K;
    const bo = p.bBatch[t]! * K * N;
    for (let i = 0; i < M; i++) {
      const oo = (t * M + i) * N;
      for (let k = 0; k < K; k++) {
        const av = a[ao + i * K + k]!;
        for (let j = 0; j < N; j++) out[oo + j] = BigInt.asIntN(64, out[oo + j]! + av * b[bo + k * N + j]!);
      }
    }
  }
  return out;
}
