import { allocate, byteSize, type DType } from '../ir/dtype.js';
import { sizeOf, type Tensor } from '../ir/tensor.js';
import { NccError } from '../errors.js';

/** NumPy .npy files (format 1.0/2.0/3.0, C order, little-endian): the interchange for inputs and outputs. */
const DESCR: Readonly<Record<string, DType>> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<f2': 'float16',
  '|i1': 'int8',
  '<i2': 'int16',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '<u2': 'uint16',
  '<u4': 'uint32',
  '<u8': 'uint64',
  '|b1': 'bool',
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function readNpy(bytes: Uint8Array, file = '<npy>'): Tensor {
  const fail = (why: string): never => {
    throw new NccError('NCC_BAD_INPUT', `${file} is not a readable .npy file: ${why}`, {
      file,
      hint: 'write it with numpy.save (C order, little-endian)',
    });
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('bad magic');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLen > bytes.length) fail('truncated header');
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) fail('malformed header');
  if (fortran === 'True') fail('Fortran order is not supported');
  const dtype = DESCR[descr!.replace('=', '<')] ?? fail(`unsupported dtype ${descr}`);
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = sizeOf(shape);
  const start = headerStart + headerLen;
  const need = count * byteSize(dtype);
  if (bytes.length - start < need) fail(`data holds ${bytes.length - start} bytes, shape needs ${need}`);
  const data = allocate(dtype, count);
  new Uint8Array(data.buffer).set(bytes.subarray(start, start + need));
  return { dtype, shape, data };
}

export function writeNpy(t: Tensor): Uint8Array {
  const descr = Object.entries(DESCR).find(([, d]) => d === t.dtype)?.[0];
  if (!descr) throw new NccError('NCC_UNSUPPORTED_DTYPE', `${t.dtype} has no .npy equivalent`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const body = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}
