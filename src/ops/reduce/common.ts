import type { DType, StorageOf } from '../../ir/dtype.js';
import type { Shape, TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { OpError } from '../op.js';
import { encodeFloats } from '../support/float.js';
import type { FloatArray } from './accumulate.js';

/** Wraps a computed buffer as a tensor without a copy when it already is the dtype's storage. */
export function fromFloats<D extends DType>(
  dtype: D,
  shape: readonly number[],
  values: FloatArray,
): Tensor<D> {
  if (
    (dtype === 'float32' && values instanceof Float32Array) ||
    (dtype === 'float64' && values instanceof Float64Array)
  ) {
    return { dtype, shape: [...shape], data: values as StorageOf[D] };
  }
  return encodeFloats(dtype, shape, values);
}

/** A working buffer in which a result of `dtype` is computed (float64 only for float64). */
export function workBuffer(dtype: DType, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

export function requireTensor(t: Tensor | undefined, op: string, what: string): Tensor {
  if (!t) throw new OpError(`${op} needs ${what}`);
  return t;
}

export function requireFloat(t: TensorType, op: string): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'bfloat16' && t.dtype !== 'float64') {
    throw new OpError(`${op} takes a float tensor, not ${t.dtype}`);
  }
}

/** An integer tensor's values as JS numbers (axes, k, targets: small or index-sized values). */
export function intValues(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/**
 * Channel geometry of a normalization input: [N, C, spatial...] (NCHW) or [N, spatial..., C] (NHWC),
 * as counts so kernels loop over (n, c, s) with one formula for the flat index.
 */
export interface ChannelGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly spatial: number;
  /** Distance between consecutive channels and consecutive spatial positions. */
  readonly channelStride: number;
  readonly spatialStride: number;
}

export function channelGeometry(shape: readonly number[], layout: 'NCHW' | 'NHWC'): ChannelGeometry {
  if (shape.length < 2) throw new OpError(`input of rank ${shape.length} has no channel axis`);
  const batch = shape[0]!;
  const channels = layout === 'NCHW' ? shape[1]! : shape[shape.length - 1]!;
  let spatial = 1;
  for (let d = 1; d < shape.length; d++) spatial *= shape[d]!;
  spatial = channels === 0 ? 0 : spatial / channels;
  return layout === 'NCHW'
    ? { batch, channels, spatial, channelStride: spatial, spatialStride: 1 }
    : { batch, channels, spatial, channelStride: 1, spatialStride: channels };
}

/** The channel dim of a (possibly symbolic) shape. */
export function channelDim(shape: Shape, layout: 'NCHW' | 'NHWC'): Shape[number] {
  if (shape.length < 2) throw new OpError(`input of rank ${shape.length} has no channel axis`);
  return layout === 'NCHW' ? shape[1]! : shape[shape.length - 1]!;
}
