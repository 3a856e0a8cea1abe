import type { DType } from '../../ir/dtype.js';
import { OpUnsupported } from '../op.js';

/**
 * ONNX TensorProto.DataType codes, for the ops whose attributes name an element type (EyeLike's
 * dtype). The frontend keeps its own table; ops cannot import frontends.
 */
const BY_CODE: Readonly<Record<number, DType>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export function dtypeOfCode(code: number): DType {
  const d = BY_CODE[code];
  if (!d) throw new OpUnsupported(`element type code ${code} is not supported`);
  return d;
}
