import type { TensorType, Dim } from '../../ir/shape.js';
import { freshDim } from '../../ir/shape.js';
import { NccError } from '../../errors.js';
import { dtypeFromOnnx, onnxTypeName } from './dtypes.js';
import { int64ToNumber, type TypeProto, type ValueInfoProto } from './onnx-proto.js';

/**
 * The declared type of a graph input/output or value_info. Dims without a value or a name become
 * fresh symbols; sequences, maps and optionals are not tensors and are reported as unsupported.
 */
export function tensorTypeFromProto(v: ValueInfoProto, file?: string): TensorType | undefined {
  const t: TypeProto | undefined = v.type;
  if (!t) return undefined;
  if (!t.tensor_type) {
    const kind = t.sequence_type
      ? 'a sequence'
      : t.optional_type
        ? 'an optional'
        : t.map_type
          ? 'a map'
          : 'a sparse tensor';
    throw new NccError('NCC_UNSUPPORTED_DTYPE', `value '${v.name ?? ''}' is ${kind}, not a tensor`, {
      value: v.name ?? '',
      ...(file ? { file } : {}),
      hint: 'neuron-cc compiles tensor programs; sequence, map and optional values are not supported',
    });
  }
  const code = t.tensor_type.elem_type ?? 0;
  const dtype = dtypeFromOnnx(code);
  if (!dtype) {
    throw new NccError(
      'NCC_UNSUPPORTED_DTYPE',
      `value '${v.name ?? ''}' has element type ${onnxTypeName(code)}`,
      {
        value: v.name ?? '',
        ...(file ? { file } : {}),
        hint: 'neuron-cc computes with float32/16, bfloat16, float64, signed and unsigned ints and bool',
      },
    );
  }
  const shapeProto = t.tensor_type.shape;
  if (!shapeProto) return { dtype, shape: undefined };
  const shape: Dim[] = shapeProto.dim.map((d) => {
    // decoded messages carry field defaults on their prototype: an absent dim_value reads as 0
    if (Object.hasOwn(d, 'dim_value') && d.dim_value !== undefined && d.dim_value !== null) {
      const n = int64ToNumber(d.dim_value);
      if (n >= 0) return n;
    }
    if (d.dim_param) return d.dim_param;
    return freshDim();
  });
  return { dtype, shape };
}
