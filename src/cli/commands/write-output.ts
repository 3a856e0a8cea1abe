/** Output files written whole or not at all: beside the target, then renamed over it. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { NccError } from '../../errors.js';

export function writeOutput(output: string, bytes: Uint8Array): void {
  // a crash or a full disk never leaves a partial file under the output's name
  const partial = `${output}.partial-${process.pid}`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, output);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new NccError('NCC_BAD_OPTION', `cannot write ${output}: ${(e as Error).message}`, {
      file: output,
      hint: 'check that the output directory exists and is writable',
    });
  }
}
