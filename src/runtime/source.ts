/**
 * Where NEFF bytes come from: given bytes, a file path (Node.js), or a URL (fetched; the way a
 * browser loads a model). Failures to read are coded errors naming the file.
 */
import { NccError } from '../errors.js';
import { importNodeBuiltin, isNode } from './host.js';

export type NeffSource = ArrayBufferView | ArrayBuffer | string | URL;

interface NodeFs {
  readFile(path: string | URL): Promise<Uint8Array>;
}

export async function readSource(source: NeffSource): Promise<{ bytes: Uint8Array; file?: string }> {
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
  if (isNode() && (!url || url.protocol === 'file:')) return { bytes: await readFile(source), file };
  return { bytes: await fetchBytes(file), file };
}

async function readFile(path: string | URL): Promise<Uint8Array> {
  const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
  try {
    return await fs.readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new NccError(
      code === 'ENOENT' ? 'NCC_FILE_NOT_FOUND' : 'NCC_BAD_INPUT',
      `cannot read the NEFF: ${(e as Error).message}`,
      { file: String(path), hint: 'check the path; neuron-cc compile writes out.neff by default', cause: e },
    );
  }
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
