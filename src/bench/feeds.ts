/**
 * Model inputs for every runtime: read once from .npy files, handed to each runtime in its own
 * tensor type. A second input set (the first with its elements reversed: still valid token ids or
 * pixel values) lets the throughput run check that concurrent calls do not mix up their inputs.
 */
import { readFileSync } from 'node:fs';
import { readNpy } from '../io/npy.js';
import type { DType, TensorData } from '../ir/dtype.js';

export interface Feed {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** A runtime's outputs by name, as plain arrays of numbers (bigints for 64-bit integers). */
export type Outputs = Readonly<Record<string, ArrayLike<number> | ArrayLike<bigint>>>;

export function readFeeds(inputs: Readonly<Record<string, string>>): Feed[] {
  return Object.entries(inputs).map(([name, file]) => {
    const t = readNpy(readFileSync(file), file);
    return { name, dtype: t.dtype, shape: t.shape, data: t.data };
  });
}

export function reversedFeeds(feeds: readonly Feed[]): Feed[] {
  return feeds.map((f) => ({ ...f, data: f.data.slice().reverse() as TensorData }));
}

/** The reference outputs by name. */
export function readOutputs(outputs: Readonly<Record<string, string>>): Outputs {
  const out: Record<string, TensorData> = {};
  for (const [name, file] of Object.entries(outputs)) out[name] = readNpy(readFileSync(file), file).data;
  return out;
}
