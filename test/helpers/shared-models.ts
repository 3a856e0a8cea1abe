import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/io/npy.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { getNumber } from '../../src/ir/tensor.js';

/** The project root, from dist/test/helpers. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED = join(ROOT, '../shared');

export interface ModelCase {
  readonly name: string;
  readonly ioConfig: unknown;
  readonly inputs: ReadonlyMap<string, Tensor>;
  readonly outputs: ReadonlyMap<string, Tensor>;
}

export interface SharedModel {
  readonly folder: string;
  readonly dir: string;
  readonly file: string;
  readonly tolerance: { atol: number; rtol: number } | null;
  readonly cases: () => ModelCase[];
}

interface Meta {
  files: string[];
  io_config: { inputs: Record<string, unknown>; outputs?: string[] };
  inputs: Record<string, string>;
  outputs?: Record<string, string>;
  tolerance: { atol: number; rtol: number } | null;
  extra_cases?: {
    name: string;
    io_config: { inputs: Record<string, unknown> };
    inputs: Record<string, string>;
    outputs: Record<string, string>;
  }[];
}

function loadAll(dir: string, files: Record<string, string> | undefined): Map<string, Tensor> {
  return new Map(
    Object.entries(files ?? {}).map(([name, rel]) => [name, readNpy(readFileSync(join(dir, rel)), rel)]),
  );
}

/** The model folders of one set (onnx, tf, ...) in ../shared/models, or [] when absent. */
export function sharedModels(set: string): SharedModel[] {
  const base = join(SHARED, 'models', set);
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((f) => existsSync(join(base, f, 'meta.json')))
    .sort()
    .map((folder) => {
      const dir = join(base, folder);
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
      return {
        folder,
        dir,
        file: join(dir, meta.files[0]!),
        tolerance: meta.tolerance,
        cases: () => [
          {
            name: 'default',
            ioConfig: meta.io_config,
            inputs: loadAll(dir, meta.inputs),
            outputs: loadAll(dir, meta.outputs),
          },
          ...(meta.extra_cases ?? []).map((c) => ({
            name: c.name,
            ioConfig: c.io_config,
            inputs: loadAll(dir, c.inputs),
            outputs: loadAll(dir, c.outputs),
          })),
        ],
      };
    });
}

/** numpy allclose, reporting the worst element. */
export function allclose(actual: Tensor, expected: Tensor, atol: number, rtol: number): string | undefined {
  if (actual.shape.join() !== expected.shape.join()) return `shape [${actual.shape}] vs [${expected.shape}]`;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const a = getNumber(actual, i);
    const e = getNumber(expected, i);
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (at < 0 || excess > worst || Number.isNaN(excess))) {
      worst = excess;
      at = i;
    }
  }
  return at < 0 ? undefined : `element ${at}: ${getNumber(actual, at)} vs ${getNumber(expected, at)}`;
}
