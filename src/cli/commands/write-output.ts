/** Output files written whole or not at all, with a coded error when that fails. */
import { NccError } from '../../errors.js';
import { writeFileAtomic } from '../../io/write-atomic.js';

export function writeOutput(output: string, bytes: Uint8Array): void {
  try {
    writeFileAtomic(output, bytes);
  } catch (e) {
    throw new NccError('NCC_BAD_OPTION', `cannot write ${output}: ${(e as Error).message}`, {
      file: output,
      hint: 'check that the output directory exists and is writable',
    });
  }
}
