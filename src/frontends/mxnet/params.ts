/**
 * MXNet's NDArray list file (`.params`, written by `mx.nd.save` and `Module.save_checkpoint`), all
 * little-endian: uint64 0x112 and a reserved uint64; uint64 count and that many NDArray records;
 * uint64 count and that many names (uint64 byte length + UTF-8). Names are `arg:NAME` / `aux:NAME`
 * in checkpoints, bare in a saved dict, and absent (count 0) in a saved list.
 *
 * The first uint32 of a record says how to read it:
 * - 0xF993FAC9 (V2) or 0xF993FACA (V3, numpy shape semantics): int32 storage type, then the shape
 *   as int32 ndim + int64 dims (sparse arrays put a storage shape before it; they are refused);
 * - 0xF993FAC8 (V1): the shape as int32 ndim + int64 dims;
 * - anything else (legacy): that uint32 is ndim, followed by uint32 dims.
 * Then, unless the shape marks a "none" array: int32 device type, int32 device id, int32 element type
 * flag (mshadow numbering) and the raw elements.
 *
 * Every count and length is checked against the bytes left before anything is allocated, so a
 * damaged file fails with a ParamsError naming the byte offset instead of exhausting memory.
 */
import { allocate, byteSize, type DType, type TensorData } from '../../ir/dtype.js';
import { tensor, type Tensor } from '../../ir/tensor.js';

export class ParamsError extends Error {
  override name = 'ParamsError';
}

export interface MxParams {
  /** `arg:` entries (weights, biases, gammas, betas), by name without the prefix. */
  readonly args: ReadonlyMap<string, Tensor>;
  /** `aux:` entries (BatchNorm moving statistics), by name without the prefix. */
  readonly aux: ReadonlyMap<string, Tensor>;
  /** Entries without an arg:/aux: prefix; a file without names keys its arrays '0', '1', .... */
  readonly other: ReadonlyMap<string, Tensor>;
  /** The record kinds met, e.g. 'NDArray V2 records' or 'legacy records'. */
  readonly format: string;
}

const LIST_MAGIC = 0x112;
const V1_MAGIC = 0xf993fac8;
const V2_MAGIC = 0xf993fac9;
const V3_MAGIC = 0xf993faca;

/** mshadow's type flags; the index is the flag. */
const TYPE_FLAGS: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'uint8',
  'int32',
  'int8',
  'int64',
  'bool',
  'int16',
  'uint16',
  'uint32',
  'uint64',
  'bfloat16',
];

const STORAGE_NAMES: Readonly<Record<number, string>> = { 1: 'row_sparse', 2: 'csr' };

/** MXNet numbers its device types 1 (cpu) to 6: any other value means the record was misread. */
const MAX_DEV_TYPE = 6;

type RecordKind = 'legacy' | 'V1' | 'V2' | 'V3';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class Cursor {
  offset = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get left(): number {
    return this.bytes.length - this.offset;
  }

  fail(what: string, at = this.offset): never {
    throw new ParamsError(`MXNet params: ${what} at byte ${at}`);
  }

  need(n: number, what: string): void {
    if (n > this.left) this.fail(`${what} needs ${n} bytes, ${this.left} left`);
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** A uint64 count or length, of items at least `itemBytes` long each: it must fit in the rest. */
  count(what: string, itemBytes: number): number {
    const at = this.offset;
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (v * BigInt(itemBytes) > BigInt(this.left)) {
      this.fail(`${what} ${v} cannot fit in the ${this.left} bytes left`, at);
    }
    return Number(v);
  }

  take(n: number): Uint8Array {
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

/** null: MXNet's "none" array (saved without context, type or data). */
type Shape = number[] | null;

/** int32 ndim + int64 dims. -1 marks an unknown ndim or dim, which only "none" arrays carry. */
function readWideShape(c: Cursor, kind: RecordKind): Shape {
  const at = c.offset;
  const ndim = c.i32('shape rank');
  if (ndim < -1) c.fail(`shape rank ${ndim}`, at);
  if (ndim === -1) return null;
  c.need(ndim * 8, `shape of rank ${ndim}`);
  const dims: number[] = [];
  let unknown = false;
  for (let i = 0; i < ndim; i++) {
    const dimAt = c.offset;
    const d = c.i64('dimension');
    if (d === -1n && kind === 'V3') unknown = true;
    else if (d < 0n) c.fail(`negative dimension ${d}`, dimAt);
    else if (d > BigInt(Number.MAX_SAFE_INTEGER)) c.fail(`dimension ${d} too large`, dimAt);
    dims.push(Number(d));
  }
  // outside numpy semantics rank 0 meant "no shape"; V3 has real scalars
  if (unknown || (ndim === 0 && kind !== 'V3')) return null;
  return dims;
}

function readLegacyShape(c: Cursor, ndim: number): Shape {
  c.need(ndim * 4, `legacy shape of rank ${ndim}`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(c.u32('dimension'));
  return ndim === 0 ? null : dims;
}

/** Elements of a shape; fails before the product can outgrow the bytes left. */
function elementCount(c: Cursor, shape: readonly number[], elementBytes: number, at: number): number {
  if (shape.includes(0)) return 0;
  const limit = c.left / elementBytes;
  let n = 1;
  // checked at every step: the product of a few large dimensions would lose precision
  for (const d of shape.length === 0 ? [1] : shape) {
    n *= d;
    if (n > limit) c.fail(`array data of shape [${shape}] does not fit in the ${c.left} bytes left`, at);
  }
  return n;
}

function readData(c: Cursor, dtype: DType, count: number): TensorData {
  const out = allocate(dtype, count);
  const raw = c.take(count * byteSize(dtype));
  const target = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  target.set(raw);
  if (!HOST_LITTLE_ENDIAN && byteSize(dtype) > 1) {
    const w = byteSize(dtype);
    for (let i = 0; i < target.length; i += w) target.subarray(i, i + w).reverse();
  }
  return out;
}

/** What a "none" array reads as: nothing is known of it but that it has no elements. */
function noneTensor(): Tensor {
  return tensor('float32', [0]);
}

function readRecord(c: Cursor, index: number): { kind: RecordKind; value: Tensor } {
  const at = c.offset;
  const magic = c.u32(`array ${index} header`);
  let kind: RecordKind;
  let shape: Shape;
  let storageType = 0;
  if (magic === V2_MAGIC || magic === V3_MAGIC) {
    kind = magic === V2_MAGIC ? 'V2' : 'V3';
    const stypeAt = c.offset;
    storageType = c.i32('storage type');
    const sparse = STORAGE_NAMES[storageType];
    if (sparse) c.fail(`array ${index} has ${sparse} (sparse) storage, which is not supported`, stypeAt);
    if (storageType !== 0 && storageType !== -1)
      c.fail(`array ${index}: unknown storage type ${storageType}`, stypeAt);
    shape = readWideShape(c, kind);
  } else if (magic === V1_MAGIC) {
    kind = 'V1';
    shape = readWideShape(c, kind);
  } else {
    kind = 'legacy';
    shape = readLegacyShape(c, magic);
  }
  if (shape === null) return { kind, value: noneTensor() };
  // -1 is what a none array reports as its storage; one with a shape cannot have it
  if (storageType === -1) c.fail(`array ${index}: undefined storage type with shape [${shape}]`, at);

  const ctxAt = c.offset;
  const devType = c.i32('device type');
  const devId = c.i32('device id');
  if (devType < 1 || devType > MAX_DEV_TYPE || devId < -1) {
    c.fail(`array ${index}: implausible device (type ${devType}, id ${devId})`, ctxAt);
  }
  const flagAt = c.offset;
  const flag = c.i32('element type');
  const dtype = TYPE_FLAGS[flag];
  if (dtype === undefined) c.fail(`array ${index}: unknown element type flag ${flag}`, flagAt);
  const count = elementCount(c, shape, byteSize(dtype), c.offset);
  return { kind, value: tensor(dtype, shape, readData(c, dtype, count)) };
}

const KIND_NAMES: Readonly<Record<RecordKind, string>> = {
  legacy: 'legacy',
  V1: 'NDArray V1',
  V2: 'NDArray V2',
  V3: 'NDArray V3',
};

function describeKinds(kinds: ReadonlySet<RecordKind>): string {
  const names = (['V3', 'V2', 'V1', 'legacy'] as const).filter((k) => kinds.has(k)).map((k) => KIND_NAMES[k]);
  return names.length === 0 ? 'no records' : `${names.join(' + ')} records`;
}

/** Reads a whole `.params` file. */
export function readMxParams(bytes: Uint8Array): MxParams {
  const c = new Cursor(bytes);
  c.need(16, 'file header');
  const magicLow = c.u32('file magic');
  const magicHigh = c.u32('file magic');
  if (magicLow !== LIST_MAGIC || magicHigh !== 0) {
    const shown = (BigInt(magicHigh) << 32n) | BigInt(magicLow);
    c.fail(`not an MXNet NDArray list file (magic 0x${shown.toString(16)}, expected 0x112)`, 0);
  }
  c.take(8); // reserved, written as 0 and never read back by MXNet

  // the smallest record is a legacy "none" array: its uint32 rank alone
  const arrayCount = c.count('array count', 4);
  const values: Tensor[] = [];
  const kinds = new Set<RecordKind>();
  for (let i = 0; i < arrayCount; i++) {
    const r = readRecord(c, i);
    values.push(r.value);
    kinds.add(r.kind);
  }

  const namesAt = c.offset;
  const nameCount = c.count('name count', 8);
  if (nameCount !== 0 && nameCount !== arrayCount) {
    c.fail(`${nameCount} names for ${arrayCount} arrays`, namesAt);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const names: string[] = [];
  for (let i = 0; i < nameCount; i++) {
    const at = c.offset;
    const length = c.count(`name ${i} length`, 1);
    try {
      names.push(decoder.decode(c.take(length)));
    } catch {
      c.fail(`name ${i} is not UTF-8`, at);
    }
  }
  if (c.left !== 0) c.fail(`${c.left} trailing bytes after the names`);

  const args = new Map<string, Tensor>();
  const aux = new Map<string, Tensor>();
  const other = new Map<string, Tensor>();
  for (let i = 0; i < arrayCount; i++) {
    const full = nameCount === 0 ? String(i) : names[i]!;
    let map = other;
    let name = full;
    if (full.startsWith('arg:')) [map, name] = [args, full.slice(4)];
    else if (full.startsWith('aux:')) [map, name] = [aux, full.slice(4)];
    if (map.has(name)) c.fail(`name '${full}' appears twice`, namesAt);
    map.set(name, values[i]!);
  }
  return { args, aux, other, format: describeKinds(kinds) };
}
