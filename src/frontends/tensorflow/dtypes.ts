/**
 * TensorFlow's DataType enum (tensorflow/core/framework/types.proto) and its IR element types.
 * Quantized types hold plain integers (their scale lives in the ops that read them, e.g. Dequantize);
 * `_ref` types (100 + t, TF1 variables) are their base type.
 */
import type { DType } from '../../ir/dtype.js';

const NAMES: Readonly<Record<number, string>> = {
  1: 'DT_FLOAT',
  2: 'DT_DOUBLE',
  3: 'DT_INT32',
  4: 'DT_UINT8',
  5: 'DT_INT16',
  6: 'DT_INT8',
  7: 'DT_STRING',
  8: 'DT_COMPLEX64',
  9: 'DT_INT64',
  10: 'DT_BOOL',
  11: 'DT_QINT8',
  12: 'DT_QUINT8',
  13: 'DT_QINT32',
  14: 'DT_BFLOAT16',
  15: 'DT_QINT16',
  16: 'DT_QUINT16',
  17: 'DT_UINT16',
  18: 'DT_COMPLEX128',
  19: 'DT_HALF',
  20: 'DT_RESOURCE',
  21: 'DT_VARIANT',
  22: 'DT_UINT32',
  23: 'DT_UINT64',
};

const IR: Readonly<Record<number, DType>> = {
  1: 'float32',
  2: 'float64',
  3: 'int32',
  4: 'uint8',
  5: 'int16',
  6: 'int8',
  9: 'int64',
  10: 'bool',
  11: 'int8',
  12: 'uint8',
  13: 'int32',
  14: 'bfloat16',
  15: 'int16',
  16: 'uint16',
  17: 'uint16',
  19: 'float16',
  22: 'uint32',
  23: 'uint64',
};

const CODES: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(NAMES).map(([code, name]) => [name, Number(code)]),
);

function base(code: number): number {
  return code > 100 ? code - 100 : code;
}

/** The IR element type of a DataType code, or undefined (strings, complex, resources, variants). */
export function dtypeFromTf(code: number): DType | undefined {
  return IR[base(code)];
}

export function tfTypeName(code: number): string {
  return NAMES[base(code)] ?? `DataType ${code}`;
}

/** 'DT_FLOAT' (TF.js model.json and text protos name types) -> its code. */
export function tfTypeCode(name: string): number | undefined {
  return CODES[name];
}
