/**
 * TensorFlow TensorProto -> IR tensor. Values come from `tensor_content` (raw little-endian bytes)
 * or the typed `*_val` fields; a typed field with fewer values than the shape is filled with its
 * last value, as TensorFlow does (a Const of shape [1000] may store a single 0).
 */
import { allocate, byteSize, type DType, type TensorData } from '../../ir/dtype.js';
import { setElement, sizeOf, type Tensor } from '../../ir/tensor.js';
import { int64ToNumber } from '../onnx/onnx-proto.js';
import { dtypeFromTf, tfTypeName } from './dtypes.js';
import type { TensorProto, TensorShapeProto } from './tf-proto.js';

/** Why a tensor cannot be read; the caller names the node and file. */
export class TensorError extends Error {}

/** Dims of a shape proto: undefined for an unknown rank, -1 for an unknown dim. */
export function shapeFromProto(p: TensorShapeProto | null | undefined): number[] | undefined {
  if (!p || p.unknown_rank) return undefined;
  return p.dim.map((d) => int64ToNumber(d.size));
}

export function tensorFromTfProto(p: TensorProto): Tensor {
  const dtype = dtypeFromTf(p.dtype);
  if (!dtype) throw new TensorError(`its element type ${tfTypeName(p.dtype)} has no numeric form`);
  const shape = shapeFromProto(p.tensor_shape) ?? [];
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new TensorError(`it has invalid dims [${shape}]`);
  const count = sizeOf(shape);
  if (p.tensor_content.length > 0) return { dtype, shape, data: fromBytes(dtype, p.tensor_content, count) };
  return { dtype, shape, data: fromValues(dtype, typedValues(p, dtype), count) };
}

function fromBytes(dtype: DType, bytes: Uint8Array, count: number): TensorData {
  if (bytes.length !== count * byteSize(dtype))
    throw new TensorError(`it holds ${bytes.length} bytes where its shape needs ${count * byteSize(dtype)}`);
  const out = allocate(dtype, count);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}

/** The typed field TensorFlow uses for each type (16-bit floats keep their bits in half_val). */
function typedValues(p: TensorProto, dtype: DType): ArrayLike<number | bigint | boolean> {
  switch (dtype) {
    case 'float32':
      return p.float_val;
    case 'float64':
      return p.double_val;
    case 'float16':
    case 'bfloat16':
      return p.half_val;
    case 'int64':
      return p.int64_val.map((v) => BigInt(int64ToNumber(v)));
    case 'uint64':
      return p.uint64_val.map((v) => BigInt(int64ToNumber(v)));
    case 'uint32':
      return p.uint32_val;
    case 'bool':
      return p.bool_val;
    default:
      return p.int_val;
  }
}

function fromValues(dtype: DType, values: ArrayLike<number | bigint | boolean>, count: number): TensorData {
  const out = allocate(dtype, count);
  if (values.length > count) throw new TensorError(`it holds ${values.length} values for ${count} elements`);
  if (values.length === 0) return out; // TensorFlow's default: zeros
  const half = dtype === 'float16' || dtype === 'bfloat16';
  for (let i = 0; i < count; i++) {
    const v = values[Math.min(i, values.length - 1)]!;
    // half_val holds bit patterns already
    if (half) (out as Uint16Array)[i] = Number(v) & 0xffff;
    else setElement(dtype, out, i, v);
  }
  return out;
}
