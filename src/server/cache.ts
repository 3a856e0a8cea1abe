/**
 * The artifact cache: compiled results keyed by the content hash of (uploaded files, options,
 * compiler version). Compiles are deterministic, so a key names its result forever; the cache
 * survives restarts. Layout under the cache dir:
 *   artifacts/KEY.bin   the NEFF or .neuron.onnx      artifacts/KEY.json  kind, size, summary
 *   uploads/ID/...      a request's files until its compile ends
 *   tmp/                artifacts being written (renamed into artifacts/ when whole)
 * uploads/ and tmp/ hold nothing worth keeping after a restart, so they are emptied at start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VERSION } from '../version.js';
import { canonicalJson } from '../neff/canonical-json.js';
import type { CompileJobOptions } from './options.js';
import { writeFileAtomic } from '../io/write-atomic.js';

export type ArtifactKind = 'neff' | 'onnx';

export interface ArtifactMeta {
  readonly kind: ArtifactKind;
  readonly bytes: number;
  /** The compile's summary, as the CLI prints it. */
  readonly summary: unknown;
  readonly compileSeconds: number;
}

export interface UploadedFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
}

export class ArtifactCache {
  readonly dir: string;
  private readonly artifacts: string;
  private readonly uploads: string;
  private readonly tmp: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.artifacts = join(this.dir, 'artifacts');
    this.uploads = join(this.dir, 'uploads');
    this.tmp = join(this.dir, 'tmp');
    for (const d of [this.uploads, this.tmp]) rmSync(d, { recursive: true, force: true });
    for (const d of [this.artifacts, this.uploads, this.tmp]) mkdirSync(d, { recursive: true });
  }

  /** The key of a compile: every byte and name uploaded, the options, and the compiler version. */
  static keyOf(files: readonly UploadedFile[], options: CompileJobOptions): string {
    const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const text = canonicalJson({
      compiler: VERSION,
      files: sorted.map((f) => [f.name, f.bytes, f.sha256]),
      options,
    });
    return createHash('sha256').update(text).digest('hex');
  }

  /** The finished artifact of `key`, or undefined. Both files exist only once the artifact is whole. */
  lookup(key: string): { path: string; meta: ArtifactMeta } | undefined {
    if (!/^[0-9a-f]{64}$/.test(key)) return undefined;
    const path = join(this.artifacts, `${key}.bin`);
    const metaPath = join(this.artifacts, `${key}.json`);
    if (!existsSync(path) || !existsSync(metaPath)) return undefined;
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as ArtifactMeta;
      // a size mismatch means a damaged cache entry: compile again rather than serve it
      if (statSync(path).size !== meta.bytes) return undefined;
      return { path, meta };
    } catch {
      return undefined;
    }
  }

  /** A fresh folder for one request's files. */
  newUploadDir(): string {
    const dir = join(this.uploads, randomBytes(12).toString('hex'));
    mkdirSync(dir);
    return dir;
  }

  /** Where a worker writes an artifact before it is stored. */
  newTempPath(key: string): string {
    return join(this.tmp, `${key}.${randomBytes(6).toString('hex')}.partial`);
  }

  /** Moves a finished artifact into the cache: the metadata first, so the artifact's arrival completes the entry. */
  store(key: string, tempPath: string, meta: ArtifactMeta): void {
    writeFileAtomic(join(this.artifacts, `${key}.json`), JSON.stringify(meta));
    renameSync(tempPath, join(this.artifacts, `${key}.bin`));
  }

  removeQuietly(path: string): void {
    rmSync(path, { recursive: true, force: true });
  }
}
