/**
 * Element types of tensors. Storage follows the typed array that holds the values exactly:
 * 16-bit floats keep their bit patterns in a Uint16Array, 64-bit integers live in BigInt arrays
 * (shape arithmetic exported by PyTorch uses INT64_MAX sentinels that a double cannot hold).
 */
export const DTYPES = [
  'float32',
  'float16',
  'bfloat16',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
] as const;

export type DType = (typeof DTYPES)[number];

export interface StorageOf {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}

export type TensorData = StorageOf[DType];
export type NumberData = Exclude<TensorData, BigInt64Array | BigUint64Array>;
export type BigIntData = BigInt64Array | BigUint64Array;

const BYTES: Record<DType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}

export function byteSize(dtype: DType): number {
  return BYTES[dtype];
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** 16-bit floats are stored as bits; arithmetic on them goes through float32. */
export function isHalf(dtype: DType): dtype is 'float16' | 'bfloat16' {
  return dtype === 'float16' || dtype === 'bfloat16';
}

export function isBigInt(dtype: DType): dtype is 'int64' | 'uint64' {
  return dtype === 'int64' || dtype === 'uint64';
}

export function isInteger(dtype: DType): boolean {
  return !isFloat(dtype) && dtype !== 'bool';
}

export function isSigned(dtype: DType): boolean {
  return dtype.startsWith('int') || isFloat(dtype);
}

export function allocate<D extends DType>(dtype: D, length: number): StorageOf[D] {
  return new (storageCtor(dtype))(length) as StorageOf[D];
}

export function storageCtor(dtype: DType) {
  switch (dtype) {
    case 'float32':
      return Float32Array;
    case 'float64':
      return Float64Array;
    case 'float16':
    case 'bfloat16':
    case 'uint16':
      return Uint16Array;
    case 'int8':
      return Int8Array;
    case 'int16':
      return Int16Array;
    case 'int32':
      return Int32Array;
    case 'int64':
      return BigInt64Array;
    case 'uint8':
    case 'bool':
      return Uint8Array;
    case 'uint32':
      return Uint32Array;
    case 'uint64':
      return BigUint64Array;
  }
}

/** Integer value range, for saturating casts and min/max identities. */
export function integerRange(dtype: DType): [bigint, bigint] {
  switch (dtype) {
    case 'int8':
      return [-128n, 127n];
    case 'int16':
      return [-32768n, 32767n];
    case 'int32':
      return [-2147483648n, 2147483647n];
    case 'int64':
      return [-(2n ** 63n), 2n ** 63n - 1n];
    case 'uint8':
      return [0n, 255n];
    case 'uint16':
      return [0n, 65535n];
    case 'uint32':
      return [0n, 4294967295n];
    case 'uint64':
      return [0n, 2n ** 64n - 1n];
    case 'bool':
      return [0n, 1n];
    default:
      throw new Error(`integerRange of ${dtype}`);
  }
}
