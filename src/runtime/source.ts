/**
 * Where NEFF bytes come from: given bytes, a file path (Node.js), or a URL (fetched; the way a
 * browser loads a model). Failures to read are coded errors naming the file.
 *
 * A file is read in two steps: everything but the weights section first (header, metadata, code:
 * kilobytes to a few MB), then the weights straight into the model's memory once it exists, in
 * chunks a loader checks as they arrive. Reading resnet50's 150 MB into a buffer and copying them
 * into memory took 135 ms; reading them in place takes 75, and the checksum overlaps the reading.
 */
import { NccError } from '../errors.js';
import { tableBytes, weightsRange } from '../neff/reader.js';
import { HEADER } from '../neff/format.js';
import { importNodeBuiltin, isNode } from './host.js';

export type NeffSource = ArrayBufferView | ArrayBuffer | string | URL;

export interface SourceBytes {
  /** The whole file, or (with `weights`) the whole file but for zeros where the weights lie. */
  readonly bytes: Uint8Array;
  readonly file?: string;
  /** The weights section still to read, when `bytes` does not hold it. */
  readonly weights?: DeferredWeights;
}

export interface DeferredWeights {
  /** Reads the weights into `target` (their length), calling `arrived` on each chunk in order. */
  read(target: Uint8Array, arrived: (chunk: Uint8Array) => void): Promise<void>;
  /** Releases the file; idempotent. */
  close(): Promise<void>;
}

interface FileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

interface NodeFs {
  readFile(path: string | URL): Promise<Uint8Array>;
  open(path: string | URL, flags: 'r'): Promise<FileHandle>;
}

/** Large enough that system calls cost nothing, small enough to be checked while still in cache. */
const CHUNK_BYTES = 4 << 20;

export async function readSource(source: NeffSource): Promise<SourceBytes> {
  if (source instanceof Uint8Array) return { bytes: source };
  if (ArrayBuffer.isView(source))
    return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength) };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source) };
  if (typeof source !== 'string' && !(source instanceof URL))
    throw new NccError(
      'NCC_BAD_INPUT',
      'load() takes NEFF bytes (a Uint8Array or ArrayBuffer), a file path or a URL',
      {
        hint: 'pass the NEFF bytes, or where to read them from',
      },
    );
  const file = String(source);
  const url = source instanceof URL ? source : undefined;
  if (isNode() && (!url || url.protocol === 'file:')) return { ...(await readFile(source)), file };
  return { bytes: await fetchBytes(file), file };
}

async function readFile(path: string | URL): Promise<Omit<SourceBytes, 'file'>> {
  const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
  const failed = (e: unknown): NccError => {
    const code = (e as { code?: unknown }).code;
    return new NccError(
      code === 'ENOENT' ? 'NCC_FILE_NOT_FOUND' : 'NCC_BAD_INPUT',
      `cannot read the NEFF: ${(e as Error).message}`,
      { file: String(path), hint: 'check the path; neuron-cc compile writes out.neff by default', cause: e },
    );
  };
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    throw failed(e);
  }
  let deferred = false;
  try {
    const { size } = await handle.stat();
    // zero-filled by the system, page by page on first touch: the weights' pages stay untouched
    const bytes = new Uint8Array(size);
    await readRange(handle, bytes, 0, Math.min(size, HEADER.bytes));
    const count = new DataView(bytes.buffer).getUint32(HEADER.sectionCount, true);
    await readRange(handle, bytes, HEADER.bytes, Math.min(size, tableBytes(Math.min(count, 256))));
    const range = weightsRange(bytes);
    const weights = range && range.offset + range.length <= size ? range : undefined;
    if (!weights) {
      await readRange(handle, bytes, 0, size); // the reader will say what is wrong
      return { bytes };
    }
    await readRange(handle, bytes, 0, weights.offset);
    await readRange(handle, bytes, weights.offset + weights.length, size);
    deferred = true;
    return { bytes, weights: deferredWeights(handle, weights.offset, weights.length, failed) };
  } catch (e) {
    throw e instanceof NccError ? e : failed(e);
  } finally {
    if (!deferred) await handle.close();
  }
}

/** Reads file bytes [from, to) into the same place of `bytes`. */
function readRange(handle: FileHandle, bytes: Uint8Array, from: number, to: number): Promise<void> {
  return readInto(handle, bytes.subarray(from, to), from);
}

/** Fills `target` with the file's bytes from `position` on. */
async function readInto(handle: FileHandle, target: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < target.length;) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0)
      throw new Error(`the file ended at byte ${position + done} while being read (did it change?)`);
    done += bytesRead;
  }
}

function deferredWeights(
  handle: FileHandle,
  offset: number,
  length: number,
  failed: (e: unknown) => NccError,
): DeferredWeights {
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= handle.close().catch(() => undefined));
  return {
    close,
    async read(target, arrived) {
      if (target.length !== length) throw new RangeError('the weights target has the wrong size');
      // the next chunk is read (on the I/O threads) while this one is checked
      const chunk = async (at: number): Promise<number> => {
        const end = Math.min(length, at + CHUNK_BYTES);
        await readInto(handle, target.subarray(at, end), offset + at);
        return end;
      };
      try {
        for (let at = 0, next = length > 0 ? chunk(0) : undefined; next;) {
          const end = await next;
          next = end < length ? chunk(end) : undefined;
          arrived(target.subarray(at, end));
          at = end;
        }
      } catch (e) {
        throw failed(e);
      } finally {
        await close();
      }
    },
  };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new NccError('NCC_FILE_NOT_FOUND', `cannot fetch the NEFF: ${(e as Error).message}`, {
      file: url,
      hint: 'check the URL and that the page may fetch it (same origin or CORS)',
      cause: e,
    });
  }
  if (!response.ok)
    throw new NccError('NCC_FILE_NOT_FOUND', `cannot fetch the NEFF: HTTP ${response.status}`, {
      file: url,
      hint: 'check the URL',
    });
  return new Uint8Array(await response.arrayBuffer());
}
