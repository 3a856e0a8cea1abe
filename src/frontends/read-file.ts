/** A model file's bytes, or NCC_FILE_NOT_FOUND with a hint about what the framework's file is. */
import { readFileSync, statSync } from 'node:fs';
import { NccError } from '../errors.js';

export function readModelFile(path: string, hint: string, what = 'model file'): Uint8Array {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    return readFileSync(path);
  } catch {
    throw new NccError('NCC_FILE_NOT_FOUND', `cannot read ${what} ${path}`, { file: path, hint });
  }
}
