/** Files written whole or not at all: to a temporary name beside the target, then renamed over it. */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  // a crash or a full disk never leaves a partial file under the target's name
  const partial = `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}
