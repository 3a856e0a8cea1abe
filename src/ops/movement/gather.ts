import { allocate } from '../../ir/dtype.js';
import type { Dim } from '../../ir/shape.js';
import { sizeOf, stridesOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { input } from '../support/infer.js';
import { copyRun, indexValues, slots } from './copy.js';
import { maybeShape } from './dims.js';

export function gather<T extends Tensor>(x: T, indices: Tensor, axis: number): T {
  const a = normalizeAxis(axis, x.shape.length);
  const dim = x.shape[a]!;
  const idx = indexValues(indices, dim, 'Gather');
  const outShape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const data = allocate(x.dtype, sizeOf(outShape));
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  let k = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * dim * inner;
    for (let j = 0; j < idx.length; j++, k += inner) copyRun(data, k, x.data, base + idx[j]! * inner, inner);
  }
  return { dtype: x.dtype, shape: outShape, data } as unknown as T;
}

export const Gather = defineOp({
  type: 'Gather',
  attrs: { axis: attr.int(0) },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  autoCast: { weights: [0], activations: 'copy' },
  infer(ctx) {
    const x = input(ctx, 0);
    const shape = maybeShape(x, 'Gather data');
    const ind = maybeShape(ctx.inputs[1], 'Gather indices');
    if (!shape || !ind) return [{ dtype: x.dtype, shape: undefined }];
    const a = normalizeAxis(ctx.attrs.axis, shape.length);
    return [{ dtype: x.dtype, shape: [...shape.slice(0, a), ...ind, ...shape.slice(a + 1)] }];
  },
  reference([x, indices], attrs) {
    if (!x || !indices) throw new OpError('Gather needs data and indices');
    return [gather(x, indices, attrs.axis)];
  },
});

/**
 * For each element of an index tensor of the same rank as data, the flat data offset it addresses
 * along `axis` (GatherElements reads there, ScatterElements writes there).
 */
export function elementOffsets(
  dataShape: readonly number[],
  indices: Tensor,
  axis: number,
  what: string,
): Int32Array {
  const rank = dataShape.length;
  if (indices.shape.length !== rank) throw new OpError(`${what} indices must have the rank of data`);
  for (let d = 0; d < rank; d++) {
    if (d !== axis && indices.shape[d]! > dataShape[d]!)
      throw new OpError(`${what} indices [${indices.shape}] exceed data [${dataShape}]`);
  }
  const idx = indexValues(indices, dataShape[axis]!, what);
  const ds = stridesOf(dataShape);
  const out = new Int32Array(idx.length);
  if (idx.length === 0) return out;
  const shape = indices.shape;
  const inner = shape[rank - 1]!;
  const axisStride = ds[axis]!;
  // along the last axis the element's own position only counts when it is not the indexed axis
  const ownStep = axis === rank - 1 ? 0 : 1;
  const pos = new Int32Array(rank);
  for (let k = 0; k < idx.length; k += inner) {
    let base = 0;
    for (let d = 0; d < rank - 1; d++) if (d !== axis) base += pos[d]! * ds[d]!;
    for (let i = 0; i < inner; i++) out[k + i] = base + i * ownStep + idx[k + i]! * axisStride;
    for (let d = rank - 2; d >= 0; d--) {
      if (++pos[d]! < shape[d]!) break;
      pos[d] = 0;
    }
  }
  return out;
}

export const GatherElements = defineOp({
  type: 'GatherElements',
  attrs: { axis: attr.int(0) },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    return [{ dtype: x.dtype, shape: input(ctx, 1).shape }];
  },
  reference([x, indices], attrs) {
    if (!x || !indices) throw new OpError('GatherElements needs data and indices');
    const a = normalizeAxis(attrs.axis, x.shape.length);
    const offsets = elementOffsets(x.shape, indices, a, 'GatherElements');
    const data = allocate(x.dtype, offsets.length);
    const o = slots(data);
    const s = slots(x.data);
    for (let k = 0; k < offsets.length; k++) o[k] = s[offsets[k]!]!;
    return [{ dtype: x.dtype, shape: [...indices.shape], data }];
  },
});

/**
 * GatherND/ScatterND addressing: the first batch_dims axes are shared, the last indices axis (k long)
 * indexes data's next k axes, and each tuple selects a block of the remaining axes.
 */
export interface NdAddressing {
  readonly offsets: Int32Array;
  readonly block: number;
  /** indices.shape[:-1] + data.shape[b+k:] */
  readonly resultShape: number[];
}

export function ndAddressing(
  dataShape: readonly number[],
  indices: Tensor,
  batchDims: number,
  what: string,
): NdAddressing {
  const r = dataShape.length;
  const q = indices.shape.length;
  const b = batchDims;
  if (q < 1) throw new OpError(`${what} indices must have rank >= 1`);
  const k = indices.shape[q - 1]!;
  if (b < 0 || b >= Math.min(q, r) || b + k > r)
    throw new OpError(`${what}: batch_dims ${b} and index depth ${k} do not fit data rank ${r}`);
  for (let d = 0; d < b; d++)
    if (indices.shape[d] !== dataShape[d]) throw new OpError(`${what} batch dims of indices and data differ`);
  const ds = stridesOf(dataShape);
  const block = sizeOf(dataShape.slice(b + k));
  const batches = sizeOf(dataShape.slice(0, b));
  const batchStride = b === 0 ? 0 : ds[b - 1]!;
  const tuples = k === 0 ? sizeOf(indices.shape.slice(0, q - 1)) : indices.data.length / k;
  const perBatch = tuples / Math.max(batches, 1);
  const offsets = new Int32Array(tuples);
  for (let t = 0; t < tuples; t++) {
    let off = Math.floor(t / perBatch) * batchStride;
    for (let j = 0; j < k; j++) {
      const dim = dataShape[b + j]!;
      let v = Number(indices.data[t * k + j]);
      if (v < 0) v += dim;
      if (!(v >= 0 && v < dim))
        throw new OpError(
          `${what} index ${Number(indices.data[t * k + j])} is out of range for a dim of ${dim}`,
        );
      off += v * ds[b + j]!;
    }
    offsets[t] = off;
  }
  return { offsets, block, resultShape: [...indices.shape.slice(0, q - 1), ...dataShape.slice(b + k)] };
}

export const GatherND = defineOp({
  type: 'GatherND',
  attrs: { batch_dims: attr.int(0) },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const shape = maybeShape(x, 'GatherND data');
    const ind = maybeShape(ctx.inputs[1], 'GatherND indices');
    if (!shape || !ind) return [{ dtype: x.dtype, shape: undefined }];
    const k = ind[ind.length - 1];
    const b = ctx.attrs.batch_dims;
    const lead: Dim[] = ind.slice(0, -1);
    if (typeof k !== 'number') return [{ dtype: x.dtype, shape: undefined }];
    if (b + k > shape.length)
      throw new OpError(`GatherND index depth ${k} exceeds data rank ${shape.length}`);
    return [{ dtype: x.dtype, shape: [...lead, ...shape.slice(b + k)] }];
  },
  reference([x, indices], attrs) {
    if (!x || !indices) throw new OpError('GatherND needs data and indices');
    const nd = ndAddressing(x.shape, indices, attrs.batch_dims, 'GatherND');
    const data = allocate(x.dtype, nd.offsets.length * nd.block);
    for (let t = 0; t < nd.offsets.length; t++) copyRun(data, t * nd.block, x.data, nd.offsets[t]!, nd.block);
    return [{ dtype: x.dtype, shape: nd.resultShape, data }];
  },
});
