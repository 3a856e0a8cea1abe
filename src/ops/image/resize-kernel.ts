import { allocate, type DType, type TensorData } from '../../ir/dtype.js';
import { setElement, sizeOf, stridesOf } from '../../ir/tensor.js';
import type { AxisTaps } from './resize-taps.js';

/**
 * Resize kernels. Interpolation is separable: one pass per resized axis, innermost axis first,
 * accumulating in float64. That is the nesting of the ONNX reference, so tf_crop_and_resize
 * extrapolation composes exactly as there: a pass writes the extrapolation value at its outside
 * positions, and outer passes interpolate those values like any other.
 */
export function resizeSeparable(
  src: Float32Array | Float64Array,
  inShape: readonly number[],
  taps: readonly (AxisTaps | undefined)[],
  extrapolation: number,
): Float64Array {
  let data: Float32Array | Float64Array = src;
  const shape = [...inShape];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const t = taps[axis];
    if (!t) continue;
    data = resizeAxis(data, shape, axis, t, extrapolation);
    shape[axis] = t.outLen;
  }
  return data instanceof Float64Array && data !== src ? data : Float64Array.from(data);
}

function resizeAxis(
  src: Float32Array | Float64Array,
  shape: readonly number[],
  axis: number,
  t: AxisTaps,
  extrapolation: number,
): Float64Array {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const { inLen, outLen, width, index, weight, outside } = t;
  const dst = new Float64Array(outer * outLen * inner);
  for (let o = 0; o < outer; o++) {
    const srcBase = o * inLen * inner;
    const dstBase = o * outLen * inner;
    for (let j = 0; j < outLen; j++) {
      const d = dstBase + j * inner;
      if (outside && outside[j]) {
        dst.fill(extrapolation, d, d + inner);
        continue;
      }
      for (let k = 0; k < width; k++) {
        const w = weight[j * width + k]!;
        const s = srcBase + index[j * width + k]! * inner;
        for (let i = 0; i < inner; i++) dst[d + i]! += w * src[s + i]!;
      }
    }
  }
  return dst;
}

/**
 * Nearest resize as a gather: elements are copied, never converted, so every dtype (int64, bool,
 * float16 bits) comes out exact. `taps` has width 1 on every resized axis.
 */
export function resizeNearest(
  dtype: DType,
  src: TensorData,
  inShape: readonly number[],
  outShape: readonly number[],
  taps: readonly (AxisTaps | undefined)[],
  extrapolation: number,
): TensorData {
  const rank = inShape.length;
  const dst = allocate(dtype, sizeOf(outShape)) as TensorData;
  if (dst.length === 0) return dst;
  const fill = allocate(dtype, 1) as TensorData;
  setElement(dtype, fill, 0, extrapolation);
  const strides = stridesOf(inShape);
  // per axis: source offset of each output index, or -1 where tf_crop_and_resize extrapolates
  const offsets = outShape.map((n, a) => {
    const off = new Float64Array(n);
    const t = taps[a];
    for (let j = 0; j < n; j++)
      off[j] = t ? (t.outside?.[j] ? -1 : t.index[j]! * strides[a]!) : j * strides[a]!;
    return off;
  });
  if (rank === 0) {
    dst[0] = src[0]!;
    return dst;
  }
  const last = offsets[rank - 1]!;
  const rowLen = outShape[rank - 1]!;
  const rows = dst.length / rowLen;
  const idx = new Array<number>(rank - 1).fill(0);
  const copy = dst as unknown as { [i: number]: unknown };
  const from = src as unknown as { [i: number]: unknown };
  for (let r = 0, p = 0; r < rows; r++) {
    let base = 0;
    for (let a = 0; a < rank - 1 && base >= 0; a++) {
      const off = offsets[a]![idx[a]!]!;
      base = off < 0 ? -1 : base + off;
    }
    for (let j = 0; j < rowLen; j++, p++)
      copy[p] = base < 0 || last[j]! < 0 ? fill[0] : from[base + last[j]!];
    for (let a = rank - 2; a >= 0; a--) {
      if (++idx[a]! < outShape[a]!) break;
      idx[a] = 0;
    }
  }
  return dst;
}
