import { isBigInt, isHalf } from '../../ir/dtype.js';
import { freshDim, type Dim } from '../../ir/shape.js';
import { reshapeTensor, sizeOf, stridesOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { input } from '../support/infer.js';
import { cloneData, copyRun } from './copy.js';
import { dimProduct } from './dims.js';
import { gather } from './gather.js';

/** Positions kept by Compress: a condition shorter than the axis drops the rest of the axis. */
function keptPositions(condition: Tensor, dim: number): Int32Array {
  const n = Math.min(condition.data.length, dim);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (condition.data[i]) kept.push(i);
  return Int32Array.from(kept);
}

export const Compress = defineOp({
  type: 'Compress',
  attrs: { axis: attr.int() },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const cond = ctx.constants[1];
    const axis = ctx.attrs.axis;
    if (!x.shape) return [{ dtype: x.dtype, shape: axis === undefined ? [freshDim()] : undefined }];
    const dim = axis === undefined ? dimProduct(x.shape) : x.shape[normalizeAxis(axis, x.shape.length)]!;
    const kept: Dim = cond && typeof dim === 'number' ? keptPositions(cond, dim).length : freshDim();
    if (axis === undefined) return [{ dtype: x.dtype, shape: [kept] }];
    const a = normalizeAxis(axis, x.shape.length);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? kept : d)) }];
  },
  reference([x, condition], attrs) {
    if (!x || !condition) throw new OpError('Compress needs input and condition');
    const flat = attrs.axis === undefined;
    const src = flat ? reshapeTensor(x, [x.data.length]) : x;
    const a = flat ? 0 : normalizeAxis(attrs.axis!, x.shape.length);
    const kept = keptPositions(condition, src.shape[a]!);
    return [gather(src, { dtype: 'int32', shape: [kept.length], data: kept }, a)];
  },
});

/** numpy's truth of an element: -0 is zero, NaN is not. */
function nonZeroMask(x: Tensor): Uint8Array {
  const n = x.data.length;
  const mask = new Uint8Array(n);
  if (isBigInt(x.dtype)) {
    const d = x.data as BigInt64Array;
    for (let i = 0; i < n; i++) mask[i] = d[i] !== 0n ? 1 : 0;
  } else if (isHalf(x.dtype)) {
    const d = x.data as Uint16Array;
    for (let i = 0; i < n; i++) mask[i] = (d[i]! & 0x7fff) !== 0 ? 1 : 0;
  } else {
    const d = x.data as Float64Array;
    for (let i = 0; i < n; i++) mask[i] = d[i] !== 0 ? 1 : 0;
  }
  return mask;
}

export const NonZero = defineOp({
  type: 'NonZero',
  attrs: {},
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    return [{ dtype: 'int64', shape: [x.shape ? x.shape.length : freshDim(), freshDim('nonzero')] }];
  },
  reference([x]) {
    if (!x) throw new OpError('NonZero needs an input');
    const mask = nonZeroMask(x);
    let nnz = 0;
    for (let i = 0; i < mask.length; i++) nnz += mask[i]!;
    const rank = x.shape.length;
    const strides = stridesOf(x.shape);
    const data = new BigInt64Array(rank * nnz);
    // row d of the output holds the d-th coordinate of every non-zero, in row-major order
    for (let i = 0, k = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      let rest = i;
      for (let d = 0; d < rank; d++) {
        const c = Math.floor(rest / strides[d]!);
        rest -= c * strides[d]!;
        data[d * nnz + k] = BigInt(c);
      }
      k++;
    }
    return [{ dtype: 'int64', shape: [rank, nnz], data }];
  },
});

export const ReverseSequence = defineOp({
  type: 'ReverseSequence',
  attrs: { batch_axis: attr.int(1), time_axis: attr.int(0) },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer: (ctx) => [input(ctx, 0)],
  reference([x, lens], attrs) {
    if (!x || !lens) throw new OpError('ReverseSequence needs input and sequence_lens');
    const rank = x.shape.length;
    const [b, t] = [normalizeAxis(attrs.batch_axis, rank), normalizeAxis(attrs.time_axis, rank)];
    if (rank < 2 || b > 1 || t > 1 || b === t) throw new OpError('ReverseSequence axes must be 0 and 1');
    const [batch, time] = [x.shape[b]!, x.shape[t]!];
    if (lens.data.length !== batch)
      throw new OpError(`ReverseSequence has ${lens.data.length} lengths for a batch of ${batch}`);
    const inner = sizeOf(x.shape.slice(2));
    const strides = stridesOf(x.shape);
    const out = cloneData(x);
    for (let i = 0; i < batch; i++) {
      const len = Number(lens.data[i]);
      if (len < 0 || len > time) throw new OpError(`ReverseSequence length ${len} exceeds ${time} steps`);
      for (let j = 0; j < len; j++) {
        copyRun(
          out.data,
          i * strides[b]! + j * strides[t]!,
          x.data,
          i * strides[b]! + (len - 1 - j) * strides[t]!,
          inner,
        );
      }
    }
    return [out];
  },
});
