import { isFloat, type DType } from '../../ir/dtype.js';
import { OpError, OpUnsupported } from '../op.js';

/**
 * ONNX TensorProto.DataType codes named by the dtype / output_datatype attributes of the window,
 * mel and random ops. (Ops cannot import the frontend's table; a shared copy in ops/support
 * would serve every family.)
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

/** The dtype code of an attribute that must name a float type (random generators, windows). */
export function floatDtypeOfCode(code: number, op: string): DType {
  const d = dtypeOfCode(code);
  if (!isFloat(d)) throw new OpError(`${op} output type must be a float type, found ${d}`);
  return d;
}
