import { isBigInt, isHalf } from '../../ir/dtype.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { cloneData, copyRun, slots } from './copy.js';
import { elementOffsets, ndAddressing } from './gather.js';

type Reduction = 'none' | 'add' | 'mul' | 'max' | 'min';
const REDUCTIONS: readonly Reduction[] = ['none', 'add', 'mul', 'max', 'min'];

/**
 * Writes update blocks into `out` (a fresh copy of data): block t of `updates` goes to offsets[t].
 * With 'none' later duplicates win, as in the spec's sequential pseudocode.
 */
function scatterInto(
  out: Tensor,
  offsets: Int32Array,
  block: number,
  updates: Tensor,
  reduction: Reduction,
): Tensor {
  if (updates.dtype !== out.dtype) throw new OpError('scatter updates must have the dtype of data');
  if (updates.data.length !== offsets.length * block)
    throw new OpError('scatter updates do not match the indices');
  if (reduction === 'none') {
    for (let t = 0; t < offsets.length; t++) copyRun(out.data, offsets[t]!, updates.data, t * block, block);
    return out;
  }
  if (isBigInt(out.dtype)) {
    reduceBigInts(out.data as BigInt64Array, updates.data as BigInt64Array, offsets, block, reduction);
    return out;
  }
  if (isHalf(out.dtype)) {
    // halves combine in float32 and round once at the end
    const acc = decodeFloats(out);
    reduceNumbers(acc, decodeFloats(updates), offsets, block, reduction, false);
    return encodeFloats(out.dtype, out.shape, acc);
  }
  const wraps32 = out.dtype === 'int32' || out.dtype === 'uint32';
  reduceNumbers(slots(out.data), slots(updates.data), offsets, block, reduction, wraps32);
  if (out.dtype === 'bool') for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i] ? 1 : 0;
  return out;
}

/** Stores into the typed array round (float32) or wrap (integers) each step, as the spec's loop does. */
function reduceNumbers(
  o: Float64Array | Float32Array,
  u: ArrayLike<number>,
  offsets: Int32Array,
  block: number,
  reduction: Reduction,
  imul: boolean,
): void {
  for (let t = 0; t < offsets.length; t++) {
    const base = offsets[t]!;
    const from = t * block;
    for (let i = 0; i < block; i++) {
      const d = base + i;
      const v = u[from + i]!;
      const a = o[d]!;
      // int32 products can exceed 2^53, where a double product would lose the low bits
      if (reduction === 'add') o[d] = a + v;
      else if (reduction === 'mul') o[d] = imul ? Math.imul(a, v) : a * v;
      else if (reduction === 'max') o[d] = Math.max(a, v);
      else o[d] = Math.min(a, v);
    }
  }
}

function reduceBigInts(
  o: BigInt64Array,
  u: BigInt64Array,
  offsets: Int32Array,
  block: number,
  reduction: Reduction,
): void {
  for (let t = 0; t < offsets.length; t++) {
    const base = offsets[t]!;
    const from = t * block;
    for (let i = 0; i < block; i++) {
      const d = base + i;
      const v = u[from + i]!;
      const a = o[d]!;
      if (reduction === 'add') o[d] = a + v;
      else if (reduction === 'mul') o[d] = a * v;
      else if (reduction === 'max') o[d] = a > v ? a : v;
      else o[d] = a < v ? a : v;
    }
  }
}

function scatterElements(
  x: Tensor,
  indices: Tensor,
  updates: Tensor,
  axis: number,
  reduction: Reduction,
): Tensor {
  const a = normalizeAxis(axis, x.shape.length);
  if (updates.shape.join() !== indices.shape.join())
    throw new OpError('ScatterElements updates must have the shape of indices');
  return scatterInto(
    cloneData(x),
    elementOffsets(x.shape, indices, a, 'ScatterElements'),
    1,
    updates,
    reduction,
  );
}

const scatterElementsAttrs = { axis: attr.int(0), reduction: attr.string('none', REDUCTIONS) };

export const ScatterElements = defineOp({
  type: 'ScatterElements',
  attrs: scatterElementsAttrs,
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer: (ctx) => [input(ctx, 0)],
  reference([x, indices, updates], attrs) {
    if (!x || !indices || !updates) throw new OpError('ScatterElements needs data, indices and updates');
    return [scatterElements(x, indices, updates, attrs.axis, attrs.reduction)];
  },
});

/** Scatter (opsets 9-10) is ScatterElements without reduction. */
export const Scatter = defineOp({
  type: 'Scatter',
  attrs: { axis: attr.int(0) },
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer: (ctx) => [input(ctx, 0)],
  reference([x, indices, updates], attrs) {
    if (!x || !indices || !updates) throw new OpError('Scatter needs data, indices and updates');
    return [scatterElements(x, indices, updates, attrs.axis, 'none')];
  },
});

export const ScatterND = defineOp({
  type: 'ScatterND',
  attrs: { reduction: attr.string('none', REDUCTIONS) },
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer: (ctx) => [input(ctx, 0)],
  reference([x, indices, updates], attrs) {
    if (!x || !indices || !updates) throw new OpError('ScatterND needs data, indices and updates');
    const nd = ndAddressing(x.shape, indices, 0, 'ScatterND');
    if (updates.shape.join() !== nd.resultShape.join())
      throw new OpError(`ScatterND updates [${updates.shape}] should be [${nd.resultShape}]`);
    return [scatterInto(cloneData(x), nd.offsets, nd.block, updates, attrs.reduction)];
  },
});

/**
 * KV-cache update (opset 24): for every prefix of the axes before `axis`, the update's rows land at
 * write_indices[batch] onwards, wrapping modulo the cache length in circular mode.
 */
function tensorScatter(
  past: Tensor,
  update: Tensor,
  writeIndices: Tensor | undefined,
  axis: number,
  circular: boolean,
): Tensor {
  const rank = past.shape.length;
  const a = normalizeAxis(axis, rank);
  if (a === 0) throw new OpError('TensorScatter axis cannot be the batch axis');
  if (
    update.shape.length !== rank ||
    update.shape.some((d, i) => (i === a ? d > past.shape[i]! : d !== past.shape[i]))
  ) {
    throw new OpError(`TensorScatter update [${update.shape}] does not fit cache [${past.shape}]`);
  }
  const maxSeq = past.shape[a]!;
  const seq = update.shape[a]!;
  const inner = sizeOf(past.shape.slice(a + 1));
  const prefixes = sizeOf(past.shape.slice(0, a));
  const perBatch = sizeOf(past.shape.slice(1, a));
  const out = cloneData(past);
  for (let p = 0; p < prefixes; p++) {
    const w = writeIndices ? Number(writeIndices.data[Math.floor(p / perBatch)]) : 0;
    for (let s = 0; s < seq; s++) {
      let at = w + s;
      if (circular) at = ((at % maxSeq) + maxSeq) % maxSeq;
      else if (at < 0 || at >= maxSeq)
        throw new OpError(`TensorScatter writes row ${at} of a cache of ${maxSeq}`);
      copyRun(out.data, (p * maxSeq + at) * inner, update.data, (p * seq + s) * inner, inner);
    }
  }
  return out;
}

export const TensorScatter = defineOp({
  type: 'TensorScatter',
  attrs: { axis: attr.int(-2), mode: attr.string('linear', ['linear', 'circular']) },
  arity: { inputs: [2, 3], outputs: [1, 1] },
  infer: (ctx) => [input(ctx, 0)],
  reference([past, update, writeIndices], attrs) {
    if (!past || !update) throw new OpError('TensorScatter needs past_cache and update');
    return [tensorScatter(past, update, writeIndices, attrs.axis, attrs.mode === 'circular')];
  },
});
