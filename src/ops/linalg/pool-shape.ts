import type { DType } from '../../ir/dtype.js';
import type { TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { OpError } from '../op.js';
import { shapeFirst, shapeLast, type Layout } from './layout.js';
import {
  checkSpatialRank,
  resolveWindow,
  windowOutputDims,
  type Window,
  type WindowAttrs,
} from './window.js';

export interface PoolAttrs extends WindowAttrs {
  readonly kernel_shape: readonly number[] | undefined;
  readonly ceil_mode: number;
  readonly layout: Layout;
}

function kernelOf(op: string, a: PoolAttrs): readonly number[] {
  if (!a.kernel_shape) throw new OpError(`${op} requires kernel_shape`);
  return a.kernel_shape;
}

/** Output type of a windowed pool: [N, C, ...windowed spatial] in the node's layout. */
export function poolInfer(op: string, x: TensorType, a: PoolAttrs, dtype: DType = x.dtype): TensorType {
  if (!x.shape) return { dtype, shape: undefined };
  const xs = shapeFirst(x.shape, a.layout);
  checkSpatialRank(xs.length - 2, op);
  const kernel = kernelOf(op, a);
  const spatial = windowOutputDims(xs.slice(2), kernel, a, a.ceil_mode !== 0);
  return { dtype, shape: shapeLast([xs[0]!, xs[1]!, ...spatial], a.layout) };
}

/** The static window of a pool applied to a channels-first tensor. */
export function poolWindow(op: string, x: Tensor, a: PoolAttrs): Window {
  checkSpatialRank(x.shape.length - 2, op);
  return resolveWindow(x.shape.slice(2), kernelOf(op, a), a, a.ceil_mode !== 0);
}

/** Global pools: every spatial dim becomes 1. */
export function globalInfer(x: TensorType, layout: Layout): TensorType {
  if (!x.shape) return x;
  if (x.shape.length < 3) throw new OpError('global pooling needs an input of rank >= 3');
  const xs = shapeFirst(x.shape, layout);
  return { dtype: x.dtype, shape: shapeLast([xs[0]!, xs[1]!, ...xs.slice(2).map(() => 1)], layout) };
}

/** planes = N*C, plane = spatial volume of a channels-first shape. */
export function planesOf(shape: readonly number[]): { planes: number; plane: number } {
  const planes = shape[0]! * shape[1]!;
  let plane = 1;
  for (let i = 2; i < shape.length; i++) plane *= shape[i]!;
  return { planes, plane };
}
