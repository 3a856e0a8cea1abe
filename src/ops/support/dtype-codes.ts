import type { DType } from '../../ir/dtype.js';
import { isFloat } from '../../ir/dtype.js';
import { OpError, OpUnsupported } from '../op.js';

/**
 * ONNX TensorProto.DataType codes. The IR follows ONNX op semantics, and several ops name element
 * types by these codes in attributes (Cast's `to`, EyeLike's `dtype`, window functions'
 * `output_datatype`), so the table lives here, shared by ops and the ONNX frontend.
 */
const BY_CODE: ReadonlyMap<number, DType> = new Map<number, DType>([
  [1, 'float32'],
  [2, 'uint8'],
  [3, 'int8'],
  [4, 'uint16'],
  [5, 'int16'],
  [6, 'int32'],
  [7, 'int64'],
  [9, 'bool'],
  [10, 'float16'],
  [11, 'float64'],
  [12, 'uint32'],
  [13, 'uint64'],
  [16, 'bfloat16'],
]);

/** Names of all codes (Cast-1 spells `to` by name), including those we do not compute with. */
export const ONNX_DTYPE_NAMES: Readonly<Record<string, number>> = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
};

export function dtypeFromCode(code: number): DType | undefined {
  return BY_CODE.get(code);
}

/** The dtype of a code, or OpUnsupported naming the type. */
export function dtypeOfCode(code: number): DType {
  const d = BY_CODE.get(code);
  if (!d) throw new OpUnsupported(`element type ${codeName(code)} is not supported`);
  return d;
}

export function codeOfDType(dtype: DType): number {
  for (const [code, d] of BY_CODE) if (d === dtype) return code;
  throw new Error(`no ONNX code for ${dtype}`);
}

export function codeName(code: number): string {
  return (
    BY_CODE.get(code) ??
    Object.entries(ONNX_DTYPE_NAMES).find(([, c]) => c === code)?.[0] ??
    `type code ${code}`
  );
}

/** The dtype of an attribute that must name a float type (random generators, windows). */
export function floatDtypeOfCode(code: number, op: string): DType {
  const d = dtypeOfCode(code);
  if (!isFloat(d)) throw new OpError(`${op} output type must be a float type, found ${d}`);
  return d;
}
