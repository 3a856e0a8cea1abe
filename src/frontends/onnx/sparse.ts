import { NccError } from '../../errors.js';
import { sizeOf, stridesOf, tensor, type Tensor } from '../../ir/tensor.js';
import type { TensorData } from '../../ir/dtype.js';
import { int64ToNumber, type TensorProto } from './onnx-proto.js';
import { tensorFromProto, type TensorReadOptions } from './tensor-proto.js';

interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims?: unknown[];
}

/** Densifies a SparseTensorProto: indices are [NNZ] flat offsets or [NNZ, rank] coordinates. */
export function denseFromSparse(raw: unknown, opts: TensorReadOptions): Tensor {
  const sp = (raw ?? {}) as SparseTensorProto;
  if (!sp.values || !sp.indices)
    throw new NccError('NCC_BAD_MODEL', 'sparse tensor without values or indices');
  const values = tensorFromProto(sp.values, opts);
  const indices = tensorFromProto(sp.indices, opts);
  const shape = (sp.dims ?? []).map((d) => int64ToNumber(d as number));
  const out = tensor(values.dtype, shape);
  const nnz = values.data.length;
  const rank = shape.length;
  const strides = stridesOf(shape);
  const total = sizeOf(shape);
  const coords = indices.shape.length === 2;
  for (let k = 0; k < nnz; k++) {
    let flat = 0;
    if (coords) for (let r = 0; r < rank; r++) flat += Number(indices.data[k * rank + r]) * strides[r]!;
    else flat = Number(indices.data[k]);
    if (!(flat >= 0 && flat < total)) throw new NccError('NCC_BAD_MODEL', 'sparse tensor index out of range');
    (out.data as TensorData)[flat] = values.data[k] as never;
  }
  return out;
}
