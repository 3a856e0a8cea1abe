import type { TensorData } from '../../ir/dtype.js';
import { sizeOf, stridesOf } from '../../ir/tensor.js';

/**
 * Axis permutation of row-major data (out axis i = in axis perm[i]), for any storage. The innermost
 * output axis is a tight strided loop; outer axes advance an odometer once per output row.
 */
export function permute<T extends TensorData>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const n = sizeOf(shape);
  const out = new (data.constructor as new (n: number) => T)(n);
  if (n === 0) return out;
  if (rank === 0) {
    out[0] = data[0]!;
    return out;
  }
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const strides = perm.map((p) => inStrides[p]!);
  const inner = outShape[rank - 1]!;
  const innerStride = strides[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  const src0 = data as unknown as number[];
  const dst = out as unknown as number[];
  for (let o = 0; o < n; o += inner) {
    for (let j = 0, s = src; j < inner; j++, s += innerStride) dst[o + j] = src0[s]!;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      src += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

export function permuteShape(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.map((p) => shape[p]!);
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
