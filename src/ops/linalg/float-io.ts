import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import type { FloatArray } from './gemm-kernel.js';

/**
 * Float kernels run on Float32Array (float32, and halves decoded) or Float64Array (float64, and
 * integers, which are exact there up to 2^53). Results go back to the node's dtype in one rounding.
 */
export function floatView(t: Tensor): FloatArray {
  return decodeFloats(t);
}

export function floatResult<D extends DType>(
  dtype: D,
  shape: readonly number[],
  data: FloatArray,
): Tensor<D> {
  if (
    (dtype === 'float32' && data instanceof Float32Array) ||
    (dtype === 'float64' && data instanceof Float64Array)
  ) {
    return { dtype, shape: [...shape], data } as unknown as Tensor<D>;
  }
  return encodeFloats(dtype, shape, data);
}
