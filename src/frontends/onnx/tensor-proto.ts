import { existsSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { allocate, byteSize, storageCtor, type DType, type TensorData } from '../../ir/dtype.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { NccError } from '../../errors.js';
import { dtypeFromOnnx, onnxTypeName } from './dtypes.js';
import { int64ToBigInt, int64ToNumber, type TensorProto } from './onnx-proto.js';

export interface TensorReadOptions {
  /** Directory that external-data locations are relative to (the model file's folder). */
  readonly baseDir?: string;
  readonly file?: string;
}

/** Converts a TensorProto to a tensor, validating sizes; payload from raw_data, typed fields or external data. */
export function tensorFromProto(p: TensorProto, opts: TensorReadOptions = {}): Tensor {
  const name = p.name ?? '';
  const code = p.data_type ?? 0;
  const dtype = dtypeFromOnnx(code);
  if (!dtype) {
    throw new NccError('NCC_UNSUPPORTED_DTYPE', `tensor '${name}' has element type ${onnxTypeName(code)}`, {
      value: name,
      ...(opts.file ? { file: opts.file } : {}),
      hint: 'neuron-cc computes with float32/16, bfloat16, float64, signed and unsigned ints and bool',
    });
  }
  const shape = p.dims.map((d) => int64ToNumber(d));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw bad(`tensor '${name}' has invalid dims [${shape}]`, opts);
  const count = sizeOf(shape);
  const data =
    p.data_location === 1 ? readExternal(p, dtype, count, opts) : readInline(p, dtype, count, opts);
  return { dtype, shape, data };
}

function bad(message: string, opts: TensorReadOptions): NccError {
  return new NccError('NCC_BAD_MODEL', message, {
    ...(opts.file ? { file: opts.file } : {}),
    hint: 'the model file is corrupt or truncated; re-export it',
  });
}

function fromBytes(
  dtype: DType,
  bytes: Uint8Array,
  count: number,
  name: string,
  opts: TensorReadOptions,
): TensorData {
  if (bytes.byteLength !== count * byteSize(dtype)) {
    throw bad(
      `tensor '${name}' holds ${bytes.byteLength} bytes, its shape needs ${count * byteSize(dtype)}`,
      opts,
    );
  }
  const out = allocate(dtype, count);
  // copy: raw bytes are often an unaligned slice of the file buffer
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}

function readInline(p: TensorProto, dtype: DType, count: number, opts: TensorReadOptions): TensorData {
  const name = p.name ?? '';
  if (p.raw_data && p.raw_data.byteLength > 0) return fromBytes(dtype, p.raw_data, count, name, opts);
  const source = typedField(p, dtype);
  if (source.length !== count) {
    if (count === 0 || source.length === 0) {
      if (count === 0) return allocate(dtype, 0);
    }
    throw bad(`tensor '${name}' has ${source.length} values, its shape needs ${count}`, opts);
  }
  const out = allocate(dtype, count);
  if (dtype === 'int64')
    for (let i = 0; i < count; i++) (out as BigInt64Array)[i] = int64ToBigInt(source[i] as never);
  else if (dtype === 'uint64')
    for (let i = 0; i < count; i++)
      (out as BigUint64Array)[i] = BigInt.asUintN(64, int64ToBigInt(source[i] as never));
  else if (dtype === 'uint32')
    for (let i = 0; i < count; i++) (out as Uint32Array)[i] = int64ToNumber(source[i] as never);
  else for (let i = 0; i < count; i++) (out as Float64Array)[i] = source[i] as number;
  return out;
}

/** The repeated field ONNX uses for each element type (16-bit floats keep their bits in int32_data). */
function typedField(p: TensorProto, dtype: DType): readonly unknown[] {
  switch (dtype) {
    case 'float32':
      return p.float_data;
    case 'float64':
      return p.double_data;
    case 'int64':
      return p.int64_data;
    case 'uint32':
    case 'uint64':
      return p.uint64_data;
    default:
      return p.int32_data;
  }
}

function readExternal(p: TensorProto, dtype: DType, count: number, opts: TensorReadOptions): TensorData {
  const name = p.name ?? '';
  const entries = new Map(p.external_data.map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw bad(`external tensor '${name}' has no location`, opts);
  const baseDir = opts.baseDir ?? '.';
  // the location must stay inside the model's folder: a model file must not read arbitrary files
  const rel = normalize(location);
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw bad(`external tensor '${name}' points outside the model folder (${location})`, opts);
  }
  const path = resolve(baseDir, rel);
  if (!existsSync(path)) {
    throw new NccError(
      'NCC_FILE_NOT_FOUND',
      `external data file '${location}' of tensor '${name}' is missing`,
      {
        ...(opts.file ? { file: opts.file } : {}),
        hint: 'keep the external data files next to the .onnx file, as the exporter wrote them',
      },
    );
  }
  const offset = Number(entries.get('offset') ?? '0');
  const need = count * byteSize(dtype);
  const length = entries.has('length') ? Number(entries.get('length')) : need;
  if (!Number.isSafeInteger(offset) || offset < 0 || length !== need) {
    throw bad(
      `external tensor '${name}': offset ${offset}, length ${length}, its shape needs ${need} bytes`,
      opts,
    );
  }
  const fd = openSync(path, 'r');
  try {
    if (offset + need > fstatSync(fd).size) throw bad(`external data of tensor '${name}' is truncated`, opts);
    const out = new (storageCtor(dtype))(count);
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    let done = 0;
    while (done < need) {
      const n = readSync(fd, bytes, done, need - done, offset + done);
      if (n <= 0) throw bad(`external data of tensor '${name}' is truncated`, opts);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
