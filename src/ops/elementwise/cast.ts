import { allocate, byteSize, type DType } from '../../ir/dtype.js';
import { tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { input } from '../support/infer.js';
import { defineOp, OpError, OpUnsupported } from '../op.js';
import { convertTensor } from './convert.js';
import { ALL, checkDtype, required } from './types.js';

/** ONNX TensorProto.DataType codes of our dtypes (Cast's and BitCast's `to`). */
const ONNX_DTYPES: ReadonlyMap<number, DType> = new Map<number, DType>([
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

/** Cast-1 spelled `to` as the TensorProto.DataType name; the upgrade maps it to the code. */
export const ONNX_DTYPE_NAMES: Readonly<Record<string, number>> = {
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
};

export function dtypeOfOnnxCode(op: string, code: number | undefined): DType {
  if (code === undefined) throw new OpError(`${op} requires the 'to' attribute`);
  const d = ONNX_DTYPES.get(code);
  if (!d)
    throw new OpUnsupported(
      `${op} to ONNX data type ${code} (string, complex, 8/4/2-bit types) is not supported`,
    );
  return d;
}

// `saturate` only concerns float8 targets, which we do not have; `round_mode` only float8e8m0.
const cast = defineOp({
  type: 'Cast',
  attrs: { to: attr.int(), saturate: attr.int(1), round_mode: attr.string('up') },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    checkDtype('Cast', x.dtype, ALL);
    return [{ dtype: dtypeOfOnnxCode('Cast', ctx.attrs.to), shape: x.shape }];
  },
  reference(inputs, a) {
    return [convertTensor(required(inputs, 0, 'Cast'), dtypeOfOnnxCode('Cast', a.to))];
  },
});

const castLike = defineOp({
  type: 'CastLike',
  attrs: { saturate: attr.int(1), round_mode: attr.string('up') },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  shapeOnlyInputs: [1],
  infer(ctx) {
    const x = input(ctx, 0);
    checkDtype('CastLike', x.dtype, ALL);
    return [{ dtype: input(ctx, 1).dtype, shape: x.shape }];
  },
  reference(inputs) {
    return [convertTensor(required(inputs, 0, 'CastLike'), required(inputs, 1, 'CastLike').dtype)];
  },
});

function bitcastTarget(from: DType, code: number | undefined): DType {
  const to = dtypeOfOnnxCode('BitCast', code);
  if (byteSize(to) !== byteSize(from)) {
    throw new OpError(
      `BitCast from ${from} to ${to} changes the element size (${byteSize(from)} vs ${byteSize(to)} bytes)`,
    );
  }
  return to;
}

/** BitCast-26: the same little-endian bytes read as another type of the same width. */
const bitCast = defineOp({
  type: 'BitCast',
  attrs: { to: attr.int() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    return [{ dtype: bitcastTarget(x.dtype, ctx.attrs.to), shape: x.shape }];
  },
  reference(inputs, a) {
    const x = required(inputs, 0, 'BitCast');
    const to = bitcastTarget(x.dtype, a.to);
    const out = allocate(to, x.data.length);
    new Uint8Array(out.buffer).set(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    return [tensor(to, x.shape, out)];
  },
});

export const castOps = [cast, castLike, bitCast];
