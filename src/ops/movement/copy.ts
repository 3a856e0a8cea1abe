import { allocate, isBigInt, type DType, type TensorData } from '../../ir/dtype.js';
import { sizeOf, stridesOf, type Tensor } from '../../ir/tensor.js';
import { OpError } from '../op.js';

/**
 * Data movement kernels shared by the family. They only copy elements, so one code path serves
 * every storage kind; `slots` erases the element type for that purpose.
 */

/**
 * Every storage copies its own elements with `a[i] = b[j]`, but a union of typed arrays only accepts
 * writes of `never`. Viewing both sides as one array kind keeps copy loops typed; never do arithmetic
 * through this view (a BigInt64Array holds bigints at run time).
 */
export function slots(data: TensorData): Float64Array {
  return data as unknown as Float64Array;
}

/** Runs shorter than this are copied element by element: subarray+set costs an allocation. */
const SET_THRESHOLD = 16;

/** Copies n elements src[from..] to dst[to..] (same storage kind). */
export function copyRun(dst: TensorData, to: number, src: TensorData, from: number, n: number): void {
  const d = slots(dst);
  const s = slots(src);
  if (n >= SET_THRESHOLD) d.set(s.subarray(from, from + n), to);
  else for (let i = 0; i < n; i++) d[to + i] = s[from + i]!;
}

/** A fresh copy of a tensor's data (scatter ops write into a copy of their input). */
export function cloneData<D extends DType>(t: Tensor<D>): Tensor<D> {
  return { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() as Tensor<D>['data'] };
}

/**
 * The general movement kernel: out[o] = src[sum_d maps[d][o_d]] for every output coordinate o, where
 * maps[d] holds premultiplied source offsets per output index along axis d. A negative entry selects
 * `fill` (padding, a raw storage value). Slice, Expand, Tile, Pad and crops are each one choice of
 * maps.
 */
export function gatherByMaps<D extends DType>(
  src: Tensor<D>,
  outShape: readonly number[],
  maps: readonly Int32Array[],
  fill: number | bigint = 0,
): Tensor<D> {
  const n = sizeOf(outShape);
  const data = allocate(src.dtype, n);
  const out = { dtype: src.dtype, shape: [...outShape], data };
  if (n === 0) return out;
  const o = slots(data);
  const s = slots(src.data);
  const rank = outShape.length;
  if (rank === 0) {
    o[0] = s[0]!;
    return out;
  }
  const inner = outShape[rank - 1]!;
  const last = maps[rank - 1]!;
  const run = isRun(last);
  const first = last[0]!;
  // `fill` is a raw storage value (a half's bits); bigint storage needs a bigint
  const fillValue = (isBigInt(src.dtype) ? BigInt(fill) : Number(fill)) as number;
  const idx = new Int32Array(rank - 1);
  for (let k = 0; k < n; k += inner) {
    let base = 0;
    let padded = false;
    for (let d = 0; d < rank - 1; d++) {
      const m = maps[d]![idx[d]!]!;
      if (m < 0) {
        padded = true;
        break;
      }
      base += m;
    }
    if (padded) o.fill(fillValue, k, k + inner);
    else if (run) copyRun(data, k, src.data, base + first, inner);
    else {
      for (let i = 0; i < inner; i++) {
        const m = last[i]!;
        o[k + i] = m < 0 ? fillValue : s[base + m]!;
      }
    }
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** True when the map reads consecutive elements (a contiguous inner run). */
function isRun(map: Int32Array): boolean {
  const first = map[0]!;
  if (first < 0) return false;
  for (let i = 1; i < map.length; i++) if (map[i] !== first + i) return false;
  return true;
}

/** Offsets i*stride for i < n: the map of an axis read in order. */
export function linearMap(n: number, stride: number, start = 0, step = 1): Int32Array {
  const m = new Int32Array(n);
  for (let i = 0; i < n; i++) m[i] = (start + i * step) * stride;
  return m;
}

/** Permutes the axes of a tensor: out.shape[d] = in.shape[perm[d]]. */
export function transposeData<D extends DType>(t: Tensor<D>, perm: readonly number[]): Tensor<D> {
  const outShape = perm.map((p) => t.shape[p]!);
  const [shape, p] = coalescePermutation(t.shape, perm);
  const r = p.length;
  if (r >= 2 && p[r - 1] === r - 2 && p[r - 2] === r - 1 && p.slice(0, r - 2).every((a, i) => a === i)) {
    const [rows, cols] = [shape[r - 2]!, shape[r - 1]!];
    return {
      dtype: t.dtype,
      shape: outShape,
      data: swapLastTwo(t.data, t.data.length / (rows * cols || 1), rows, cols),
    };
  }
  const strides = stridesOf(shape);
  const inner = p.map((a) => shape[a]!);
  const moved = gatherByMaps(
    t,
    inner,
    p.map((a, d) => linearMap(inner[d]!, strides[a]!)),
  );
  return { dtype: t.dtype, shape: outShape, data: moved.data };
}

/** Tile edge of the blocked 2-D transpose: a tile of each side stays in L1 cache. */
const TILE = 32;

/**
 * Batched [rows, cols] -> [cols, rows]. Walking one side with a large stride misses the cache on
 * every element; square tiles keep both reads and writes local (NCHW <-> NHWC is this case).
 */
function swapLastTwo<A extends TensorData>(data: A, batch: number, rows: number, cols: number): A {
  const out = allocateLike(data);
  const o = slots(out);
  const s = slots(data);
  const plane = rows * cols;
  for (let b = 0; b < batch; b++) {
    const base = b * plane;
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let j = j0; j < j1; j++) {
          const to = base + j * rows;
          for (let i = i0; i < i1; i++) o[to + i] = s[base + i * cols + j]!;
        }
      }
    }
  }
  return out;
}

function allocateLike<A extends TensorData>(data: A): A {
  return new (data.constructor as new (n: number) => A)(data.length);
}

/**
 * The same permutation on fewer axes: size-1 axes are dropped and input axes that stay adjacent and
 * in order are merged, so the kernel's inner runs are as long as the layout allows.
 */
function coalescePermutation(shape: readonly number[], perm: readonly number[]): [number[], number[]] {
  const kept = perm.filter((a) => shape[a] !== 1);
  const groups: number[][] = [];
  for (const a of kept) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === a - 1 && kept.indexOf(a - 1) >= 0) last.push(a);
    else groups.push([a]);
  }
  // number the groups in input order: that is the reduced input's axis order
  const byInput = groups.map((_, i) => i).sort((i, j) => groups[i]![0]! - groups[j]![0]!);
  const reducedShape = byInput.map((g) => groups[g]!.reduce((n, a) => n * shape[a]!, 1));
  const reducedPerm = groups.map((_, g) => byInput.indexOf(g));
  return [reducedShape, reducedPerm];
}

/**
 * Index tensor values as numbers, negative ones wrapped by `dim` and all range-checked, as Gather,
 * GatherElements and the scatters require.
 */
export function indexValues(t: Tensor, dim: number, what: string): Int32Array {
  const n = t.data.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let v = Number(t.data[i]);
    if (v < 0) v += dim;
    if (!(v >= 0 && v < dim))
      throw new OpError(`${what} index ${Number(t.data[i])} is out of range for a dim of ${dim}`);
    out[i] = v;
  }
  return out;
}
