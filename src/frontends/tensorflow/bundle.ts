/**
 * TensorFlow's checkpoint bundle (`variables/variables.index` + `variables.data-0000K-of-0000N`): the
 * index is a LevelDB table (sorted blocks of prefix-compressed keys, a block index and a footer)
 * mapping each tensor's name to a BundleEntryProto (dtype, shape, shard, offset, size, CRC32C);
 * the data shards hold the raw little-endian bytes. Every length is checked against the files and
 * every checksum verified, so a damaged checkpoint is NCC_BAD_MODEL, never a wrong weight.
 */
import { existsSync, readFileSync } from 'node:fs';
import snappy from 'snappyjs';
import { basename } from 'node:path';
import { allocate, byteSize } from '../../ir/dtype.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { int64ToNumber } from '../onnx/onnx-proto.js';
import { crc32c, unmaskCrc32c } from './crc32c.js';
import { dtypeFromTf, tfTypeName } from './dtypes.js';
import { shapeFromProto } from './tensor-proto.js';
import { decodeBundleEntry, decodeBundleHeader, type BundleEntry } from './tf-proto.js';

export class BundleError extends Error {}

const TABLE_MAGIC = 0xdb4775248b80fb57n;
const FOOTER_BYTES = 48;
const BLOCK_TRAILER_BYTES = 5;

export interface Bundle {
  readonly names: readonly string[];
  /** The tensor stored under `name`, or undefined if there is none. */
  tensor(name: string): Tensor | undefined;
  /** The raw bytes of a string (or other non-numeric) entry, for the object graph. */
  raw(name: string): { entry: BundleEntry; bytes: Uint8Array } | undefined;
}

/** `prefix` is `.../variables/variables`. */
export function readBundle(prefix: string): Bundle {
  const index = readFileSync(`${prefix}.index`);
  const entries = new Map<string, BundleEntry>();
  let shards = 1;
  for (const [key, value] of tableEntries(index)) {
    if (key.length === 0) shards = decodeBundleHeader(value).num_shards || 1;
    else entries.set(new TextDecoder().decode(key), decodeBundleEntry(value));
  }
  const shardBytes = new Map<number, Uint8Array>();
  const shard = (id: number): Uint8Array => {
    let bytes = shardBytes.get(id);
    if (!bytes) {
      const path = `${prefix}.data-${pad5(id)}-of-${pad5(shards)}`;
      if (!existsSync(path)) throw new BundleError(`the checkpoint shard ${basename(path)} is missing`);
      bytes = readFileSync(path);
      shardBytes.set(id, bytes);
    }
    return bytes;
  };
  const raw = (name: string): { entry: BundleEntry; bytes: Uint8Array } | undefined => {
    const entry = entries.get(name);
    if (!entry) return undefined;
    if (entry.slices.length)
      throw new BundleError(`variable '${name}' is saved in slices (partitioned), which is not supported`);
    const data = shard(entry.shard_id);
    const offset = int64ToNumber(entry.offset);
    const size = int64ToNumber(entry.size);
    if (offset < 0 || size < 0 || offset + size > data.length)
      throw new BundleError(
        `variable '${name}' lies outside its shard (${size} bytes at ${offset} of ${data.length})`,
      );
    const bytes = data.subarray(offset, offset + size);
    const count = sizeOf(shapeFromProto(entry.shape) ?? []);
    const actual = entry.dtype === DT_STRING ? stringTensorCrc(bytes, count) : crc32c(bytes);
    if (entry.crc32c !== 0 && unmaskCrc32c(entry.crc32c) !== actual)
      throw new BundleError(`variable '${name}' fails its checksum: the checkpoint is damaged`);
    return { entry, bytes };
  };
  return {
    names: [...entries.keys()],
    raw,
    tensor(name) {
      const found = raw(name);
      if (!found) return undefined;
      const { entry, bytes } = found;
      const dtype = dtypeFromTf(entry.dtype);
      if (!dtype)
        throw new BundleError(`variable '${name}' is ${tfTypeName(entry.dtype)}, which has no numeric form`);
      const shape = shapeFromProto(entry.shape) ?? [];
      const count = sizeOf(shape);
      if (bytes.length !== count * byteSize(dtype))
        throw new BundleError(
          `variable '${name}' holds ${bytes.length} bytes, its shape [${shape}] needs ${count * byteSize(dtype)}`,
        );
      const data = allocate(dtype, count);
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
      return { dtype, shape, data };
    },
  };
}

/**
 * A DT_STRING tensor as the bundle stores it: a varint length per element, a masked CRC32C of
 * those lengths, then the bytes one after another.
 */
export function stringElements(bytes: Uint8Array, count: number): Uint8Array[] {
  let at = 0;
  const lengths: number[] = [];
  for (let i = 0; i < count; i++) {
    const [n, next] = varint(bytes, at);
    lengths.push(n);
    at = next;
  }
  at += 4;
  return lengths.map((n) => {
    if (at + n > bytes.length) throw new BundleError('a string tensor runs past its bytes');
    const s = bytes.subarray(at, at + n);
    at += n;
    return s;
  });
}

const DT_STRING = 7;

/**
 * A string tensor's checksum as TensorFlow computes it while writing: over each length as a
 * little-endian uint32 (not the varints stored), the stored length checksum, then the bytes.
 */
function stringTensorCrc(bytes: Uint8Array, count: number): number {
  let at = 0;
  let crc = 0;
  const word = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < count; i++) {
    const [n, next] = varint(bytes, at);
    word.setUint32(0, n, true);
    crc = crc32c(new Uint8Array(word.buffer), crc);
    at = next;
  }
  crc = crc32c(bytes.subarray(at, at + 4), crc);
  return crc32c(bytes.subarray(at + 4), crc);
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

/** Every key/value of a LevelDB table, in order. */
function* tableEntries(file: Uint8Array): Generator<[Uint8Array, Uint8Array]> {
  if (file.length < FOOTER_BYTES)
    throw new BundleError('the checkpoint index is shorter than a table footer');
  const footer = file.subarray(file.length - FOOTER_BYTES);
  const view = new DataView(footer.buffer, footer.byteOffset, FOOTER_BYTES);
  if (view.getBigUint64(FOOTER_BYTES - 8, true) !== TABLE_MAGIC)
    throw new BundleError('the checkpoint index is not a TensorFlow table (bad magic)');
  const [, afterMeta] = blockHandle(footer, 0);
  const [indexHandle] = blockHandle(footer, afterMeta);
  for (const [, handle] of blockEntries(file, indexHandle)) {
    const [dataHandle] = blockHandle(handle, 0);
    yield* blockEntries(file, dataHandle);
  }
}

function blockHandle(bytes: Uint8Array, at: number): [{ offset: number; size: number }, number] {
  const [offset, a] = varint(bytes, at);
  const [size, b] = varint(bytes, a);
  return [{ offset, size }, b];
}

function* blockEntries(
  file: Uint8Array,
  handle: { offset: number; size: number },
): Generator<[Uint8Array, Uint8Array]> {
  const end = handle.offset + handle.size;
  if (end + BLOCK_TRAILER_BYTES > file.length)
    throw new BundleError('a table block runs past the end of the index');
  const type = file[end]!;
  const stored = new DataView(file.buffer, file.byteOffset + end + 1, 4).getUint32(0, true);
  if (unmaskCrc32c(stored) !== crc32c(file.subarray(handle.offset, end + 1)))
    throw new BundleError('a block of the checkpoint index fails its checksum');
  const contents = blockContents(file.subarray(handle.offset, end), type);
  const restarts = new DataView(contents.buffer, contents.byteOffset + contents.length - 4, 4).getUint32(
    0,
    true,
  );
  const limit = contents.length - 4 - 4 * restarts;
  if (limit < 0) throw new BundleError('a table block has more restart points than bytes');
  let at = 0;
  let key = new Uint8Array(0);
  while (at < limit) {
    const [shared, a] = varint(contents, at);
    const [unshared, b] = varint(contents, a);
    const [valueLength, c] = varint(contents, b);
    if (shared > key.length || c + unshared + valueLength > limit)
      throw new BundleError('a table entry is malformed');
    const next = new Uint8Array(shared + unshared);
    next.set(key.subarray(0, shared));
    next.set(contents.subarray(c, c + unshared), shared);
    key = next;
    const value = contents.subarray(c + unshared, c + unshared + valueLength);
    at = c + unshared + valueLength;
    yield [key, value];
  }
}

/** A table block (far below this bound; it only keeps a damaged length from allocating gigabytes). */
const MAX_BLOCK_BYTES = 256 << 20;

function blockContents(stored: Uint8Array, type: number): Uint8Array {
  if (type === 0) return stored;
  if (type !== 1) throw new BundleError(`a block of the checkpoint index has unknown compression ${type}`);
  try {
    return snappy.uncompress(stored, MAX_BLOCK_BYTES);
  } catch (e) {
    throw new BundleError(
      `a Snappy block of the checkpoint index does not decompress (${(e as Error).message})`,
    );
  }
}

function varint(bytes: Uint8Array, at: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= bytes.length) throw new BundleError('a varint runs past its bytes');
    const b = bytes[at++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return [result, at];
    scale *= 128;
  }
  throw new BundleError('a varint is too long');
}
