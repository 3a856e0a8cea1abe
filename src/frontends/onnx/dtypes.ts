import type { DType } from '../../ir/dtype.js';

/** ONNX TensorProto.DataType codes of the element types neuron-cc computes with. */
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

/** Names of the codes we cannot compute with, for error messages and skip reasons. */
const UNSUPPORTED_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'UNDEFINED'],
  [8, 'STRING'],
  [14, 'COMPLEX64'],
  [15, 'COMPLEX128'],
  [17, 'FLOAT8E4M3FN'],
  [18, 'FLOAT8E4M3FNUZ'],
  [19, 'FLOAT8E5M2'],
  [20, 'FLOAT8E5M2FNUZ'],
  [21, 'UINT4'],
  [22, 'INT4'],
  [23, 'FLOAT4E2M1'],
  [24, 'FLOAT8E8M0'],
  [25, 'UINT2'],
  [26, 'INT2'],
]);

export function dtypeFromOnnx(code: number): DType | undefined {
  return BY_CODE.get(code);
}

export function onnxTypeName(code: number): string {
  const d = BY_CODE.get(code);
  return d ?? UNSUPPORTED_NAMES.get(code) ?? `type code ${code}`;
}

export function onnxCodeOf(dtype: DType): number {
  for (const [code, d] of BY_CODE) if (d === dtype) return code;
  throw new Error(`no ONNX code for ${dtype}`);
}
