import { allocate, isBigInt, type DType, type TensorData } from '../../ir/dtype.js';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../../ir/half.js';
import type { Tensor } from '../../ir/tensor.js';

/**
 * Float arithmetic for the reference kernels. float64 stays float64; every other dtype is computed
 * in a float array (halves decoded from their bits) and written back with `encodeFloats`.
 */
export function decodeFloats(t: Tensor): Float32Array | Float64Array {
  switch (t.dtype) {
    case 'float32':
    case 'float64':
      return t.data as Float32Array | Float64Array;
    case 'float16': {
      const out = new Float32Array(t.data.length);
      for (let i = 0; i < out.length; i++) out[i] = float16BitsToFloat32(t.data[i] as number);
      return out;
    }
    case 'bfloat16': {
      const out = new Float32Array(t.data.length);
      for (let i = 0; i < out.length; i++) out[i] = bfloat16BitsToFloat32(t.data[i] as number);
      return out;
    }
    default: {
      const out = new Float64Array(t.data.length);
      for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
      return out;
    }
  }
}

/** Stores computed values in `dtype`: halves are rounded to nearest even, integers truncated. */
export function encodeFloats<D extends DType>(
  dtype: D,
  shape: readonly number[],
  values: ArrayLike<number>,
): Tensor<D> {
  const data = allocate(dtype, values.length) as TensorData;
  if (dtype === 'float16') for (let i = 0; i < values.length; i++) data[i] = float32ToFloat16Bits(values[i]!);
  else if (dtype === 'bfloat16')
    for (let i = 0; i < values.length; i++) data[i] = float32ToBfloat16Bits(values[i]!);
  else if (isBigInt(dtype))
    for (let i = 0; i < values.length; i++) (data as BigInt64Array)[i] = floatToBigInt(values[i]!);
  else if (dtype === 'bool') for (let i = 0; i < values.length; i++) data[i] = values[i] ? 1 : 0;
  else (data as Float64Array).set(values as ArrayLike<number>);
  return { dtype, shape: [...shape], data } as unknown as Tensor<D>;
}

/** A working buffer of the precision the dtype computes in. */
export function floatBuffer(dtype: DType, length: number): Float32Array | Float64Array {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

/** As x86 converts: NaN and out-of-range values become INT64_MIN (the "integer indefinite" value). */
function floatToBigInt(x: number): bigint {
  return Number.isFinite(x) && Math.abs(x) < 2 ** 63 ? BigInt(Math.trunc(x)) : -(2n ** 63n);
}
