import type { DType } from '../../ir/dtype.js';
import type { Dim, Shape } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { permute, permuteShape } from './strided.js';

/**
 * The `layout` attribute of conv and pool ops. NHWC means the activations (X and Y; for MaxPool also
 * Indices, which then count NHWC positions) are channels-last; weights keep ONNX's
 * [M, C/group, k...] order, so a TensorFlow frontend permutes its HWIO kernels once at import.
 * The reference kernels work channels-first and transpose NHWC operands in and out.
 */
export type Layout = 'NCHW' | 'NHWC';

/** NHWC -> NCHW axis order for a tensor of `rank` dims. */
export function toFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** NCHW -> NHWC axis order. */
export function toLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

export function channelsFirst<D extends DType>(t: Tensor<D>, layout: Layout): Tensor<D> {
  if (layout === 'NCHW' || t.shape.length < 3) return t;
  const perm = toFirstPerm(t.shape.length);
  return { dtype: t.dtype, shape: permuteShape(t.shape, perm), data: permute(t.data, t.shape, perm) };
}

export function channelsLast<D extends DType>(t: Tensor<D>, layout: Layout): Tensor<D> {
  if (layout === 'NCHW' || t.shape.length < 3) return t;
  const perm = toLastPerm(t.shape.length);
  return { dtype: t.dtype, shape: permuteShape(t.shape, perm), data: permute(t.data, t.shape, perm) };
}

/** A symbolic activation shape in NCHW order. */
export function shapeFirst(shape: Shape, layout: Layout): Dim[] {
  if (layout === 'NCHW' || shape.length < 3) return [...shape];
  return toFirstPerm(shape.length).map((p) => shape[p]!);
}

export function shapeLast(shape: Shape, layout: Layout): Dim[] {
  if (layout === 'NCHW' || shape.length < 3) return [...shape];
  return toLastPerm(shape.length).map((p) => shape[p]!);
}
