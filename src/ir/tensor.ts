import { allocate, isBigInt, isHalf, type DType, type StorageOf, type TensorData } from './dtype.js';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './half.js';

/** A concrete tensor: static shape, row-major data. A leaf type shared by compiler, interpreter and runtime. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: StorageOf[D];
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function tensor<D extends DType>(dtype: D, shape: readonly number[], data?: StorageOf[D]): Tensor<D> {
  const n = sizeOf(shape);
  const d = data ?? allocate(dtype, n);
  if (d.length !== n) throw new Error(`tensor data has ${d.length} elements, shape [${shape}] needs ${n}`);
  return { dtype, shape: [...shape], data: d };
}

export function scalar<D extends DType>(dtype: D, value: number | bigint | boolean): Tensor<D> {
  return fromNumbers(dtype, [], [value]);
}

/** Builds a tensor from plain JS values, converting to the dtype's storage (halves are rounded). */
export function fromNumbers<D extends DType>(
  dtype: D,
  shape: readonly number[],
  values: ArrayLike<number | bigint | boolean>,
): Tensor<D> {
  const t = tensor(dtype, shape);
  const data = t.data as TensorData;
  for (let i = 0; i < values.length; i++) setElement(dtype, data, i, values[i]!);
  return t;
}

export function setElement(dtype: DType, data: TensorData, i: number, v: number | bigint | boolean): void {
  if (isBigInt(dtype)) {
    (data as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  } else if (dtype === 'float16') {
    data[i] = float32ToFloat16Bits(Number(v));
  } else if (dtype === 'bfloat16') {
    data[i] = float32ToBfloat16Bits(Number(v));
  } else if (dtype === 'bool') {
    data[i] = Number(v) !== 0 ? 1 : 0;
  } else {
    (data as Float64Array)[i] = Number(v);
  }
}

/** Element i as a JS number (int64 values beyond 2^53 lose precision: use only for small data). */
export function getNumber(t: Tensor, i: number): number {
  if (t.dtype === 'float16') return float16BitsToFloat32(t.data[i] as number);
  if (t.dtype === 'bfloat16') return bfloat16BitsToFloat32(t.data[i] as number);
  return Number(t.data[i]);
}

/** All elements as JS numbers (small tensors: shapes, axes, scalars). */
export function toNumbers(t: Tensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = getNumber(t, i);
  return out;
}

/** Float views of any tensor: halves are decoded, others converted. */
export function toFloat32(t: Tensor): Float32Array {
  if (t.dtype === 'float32') return t.data as Float32Array;
  const out = new Float32Array(t.data.length);
  if (isHalf(t.dtype)) {
    const dec = t.dtype === 'float16' ? float16BitsToFloat32 : bfloat16BitsToFloat32;
    for (let i = 0; i < out.length; i++) out[i] = dec(t.data[i] as number);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  }
  return out;
}

export function reshapeTensor<D extends DType>(t: Tensor<D>, shape: readonly number[]): Tensor<D> {
  if (sizeOf(shape) !== t.data.length) throw new Error(`cannot view [${t.shape}] as [${shape}]`);
  return { dtype: t.dtype, shape: [...shape], data: t.data };
}

export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}
