import { isBigInt } from '../../ir/dtype.js';
import { freshDim, type Dim, type Shape } from '../../ir/shape.js';
import { reshapeTensor, sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { transposeData } from './copy.js';
import { dimProduct } from './dims.js';
import { gather } from './gather.js';

/** Comparable element values: bigints stay exact, everything else (halves decoded) as doubles. */
function keys(t: Tensor): BigInt64Array | BigUint64Array | Float32Array | Float64Array {
  return isBigInt(t.dtype) ? (t.data as BigInt64Array) : decodeFloats(t);
}

interface Groups {
  /** first occurrence (slice index) of each unique entry, in output order */
  readonly first: number[];
  readonly inverse: Int32Array;
  readonly counts: number[];
}

/**
 * Groups the n rows (each `len` long) of `key` into unique entries, compared lexicographically as
 * numpy.unique does. Sorted order is ascending; unsorted is order of first occurrence.
 */
function groupRows(key: ArrayLike<number | bigint>, n: number, len: number, sorted: boolean): Groups {
  const cmp = (a: number, b: number): number => {
    for (let i = 0; i < len; i++) {
      const x = key[a * len + i]!;
      const y = key[b * len + i]!;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
  const groupOf = new Int32Array(n);
  const first: number[] = [];
  const counts: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = order[k]!;
    if (k === 0 || cmp(order[k - 1]!, r) !== 0) {
      first.push(r);
      counts.push(0);
    }
    groupOf[r] = first.length - 1;
    counts[first.length - 1]!++;
  }
  if (sorted) return { first, inverse: groupOf, counts };
  const byAppearance = first.map((_, g) => g).sort((g, h) => first[g]! - first[h]!);
  const rank = new Int32Array(first.length);
  byAppearance.forEach((g, i) => (rank[g] = i));
  return {
    first: byAppearance.map((g) => first[g]!),
    inverse: groupOf.map((g) => rank[g]!),
    counts: byAppearance.map((g) => counts[g]!),
  };
}

const int64 = (values: ArrayLike<number>): Tensor<'int64'> => ({
  dtype: 'int64',
  shape: [values.length],
  data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)),
});

export const Unique = defineOp({
  type: 'Unique',
  attrs: { axis: attr.int(), sorted: attr.int(1) },
  arity: { inputs: [1, 1], outputs: [1, 4] },
  infer(ctx) {
    const x = input(ctx, 0);
    const u = freshDim('unique');
    const a = ctx.attrs.axis;
    let y: Shape | undefined;
    let n: Dim;
    if (!x.shape) {
      y = a === undefined ? [u] : undefined;
      n = freshDim();
    } else if (a === undefined) {
      y = [u];
      n = dimProduct(x.shape);
    } else {
      const ax = normalizeAxis(a, x.shape.length);
      y = x.shape.map((d, i) => (i === ax ? u : d));
      n = x.shape[ax]!;
    }
    const types = [
      { dtype: x.dtype, shape: y },
      { dtype: 'int64' as const, shape: [u] },
      { dtype: 'int64' as const, shape: [n] },
      { dtype: 'int64' as const, shape: [u] },
    ];
    return types.slice(0, ctx.outputCount);
  },
  reference([x], attrs, outputCount) {
    if (!x) throw new OpError('Unique needs an input');
    const flat = attrs.axis === undefined;
    const src = flat ? reshapeTensor(x, [x.data.length]) : x;
    const a = flat ? 0 : normalizeAxis(attrs.axis!, x.shape.length);
    // rows along the axis, each laid out contiguously for comparison
    const perm = [a, ...src.shape.map((_, i) => i).filter((i) => i !== a)];
    const rows = a === 0 ? src : transposeData(src, perm);
    const n = src.shape[a]!;
    const len = n === 0 ? 0 : sizeOf(src.shape) / n;
    const g = groupRows(keys(rows), n, len, attrs.sorted !== 0);
    const y = gather(src, { dtype: 'int32', shape: [g.first.length], data: Int32Array.from(g.first) }, a);
    return [y, int64(g.first), int64(g.inverse), int64(g.counts)].slice(0, outputCount);
  },
});
