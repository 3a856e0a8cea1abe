/**
 * Bucketed NEFFs (format 1.2): one model compiled for several sizes of a dimension (sequence length
 * 16, 32, 64, ...), each size a program of its own (metadata and code variants), all sharing one
 * weights pool. A bucket's weights image is assembled from pool chunks, so a weight that every
 * bucket packs the same way is stored once. The BUCKETS section says which dims vary, where they sit
 * in each input and output, and each bucket's chunk map. Shared with the runtime: no Node modules.
 */
import type { CodeVariant, NeffContents, NeffMetadata } from './contents.js';
import { violation } from './violation.js';

/** An input's or output's axes: a dim's name where it varies (or is a pinned batch), else its size. */
export interface BucketIo {
  readonly name: string;
  readonly axes: readonly (string | number)[];
}

export interface Bucket {
  /** The size of each bucketed dim in this program. */
  readonly dims: Readonly<Record<string, number>>;
  /** [pool offset, length, offset in the bucket's weights image] */
  readonly weights: readonly (readonly [number, number, number])[];
}

export interface BucketTable {
  /** Bucketed dims and their sizes, ascending. */
  readonly dims: Readonly<Record<string, readonly number[]>>;
  /** Other named dims and the size every program has (a batch, split into runs of this size). */
  readonly pinned: Readonly<Record<string, number>>;
  readonly inputs: readonly BucketIo[];
  readonly outputs: readonly BucketIo[];
  readonly buckets: readonly Bucket[];
}

export interface BucketProgram {
  readonly metadata: NeffMetadata;
  readonly variants: readonly CodeVariant[];
}

export interface BucketedNeff {
  readonly table: BucketTable;
  readonly pool: Uint8Array;
  /** programs[k] belongs to table.buckets[k]. */
  readonly programs: readonly BucketProgram[];
}

/** Bucket k as a NEFF of one model: its weights image built from the pool. */
export function bucketContents(file: BucketedNeff, k: number): NeffContents {
  const program = file.programs[k]!;
  const weights = new Uint8Array(program.metadata.memory.weightsBytes);
  for (const [from, length, to] of file.table.buckets[k]!.weights)
    weights.set(file.pool.subarray(from, from + length), to);
  return { metadata: program.metadata, variants: [...program.variants], weights };
}

/** The BUCKETS section's JSON checked against the pool and the programs' weights sizes. */
export function parseBucketTable(
  json: unknown,
  poolBytes: number,
  weightsBytes: readonly number[],
): BucketTable {
  const record = (v: unknown, what: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      violation(`buckets: ${what} is not an object`);
    return v as Record<string, unknown>;
  };
  const sizes = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || !v.every((n) => Number.isSafeInteger(n) && n >= 0))
      violation(`buckets: ${what} is not a list of sizes`);
    return v as number[];
  };
  const t = record(json, 'the table');
  const dims = Object.fromEntries(
    Object.entries(record(t.dims, 'dims')).map(([k, v]) => [k, sizes(v, `dims.${k}`)]),
  );
  if (Object.keys(dims).length === 0) violation('buckets: no bucketed dim');
  const pinned = Object.fromEntries(
    Object.entries(record(t.pinned ?? {}, 'pinned')).map(([k, v]) => {
      if (!Number.isSafeInteger(v) || (v as number) < 1) violation(`buckets: pinned.${k} is not a size`);
      return [k, v as number];
    }),
  );
  const io = (v: unknown, what: string): BucketIo[] => {
    if (!Array.isArray(v)) violation(`buckets: ${what} is not a list`);
    return v.map((x, i) => {
      const e = record(x, `${what}[${i}]`);
      if (typeof e.name !== 'string') violation(`buckets: ${what}[${i}] has no name`);
      if (!Array.isArray(e.axes) || !e.axes.every((a) => typeof a === 'string' || Number.isSafeInteger(a)))
        violation(`buckets: ${what}[${i}].axes is not a list of names and sizes`);
      return { name: e.name, axes: e.axes as (string | number)[] };
    });
  };
  if (!Array.isArray(t.buckets) || t.buckets.length !== weightsBytes.length)
    violation(
      `buckets: ${weightsBytes.length} programs, but the table lists ${Array.isArray(t.buckets) ? t.buckets.length : 'no'} buckets`,
    );
  const buckets = t.buckets.map((x, k): Bucket => {
    const b = record(x, `buckets[${k}]`);
    const bdims = record(b.dims, `buckets[${k}].dims`);
    for (const name of Object.keys(dims))
      if (!dims[name]!.includes(bdims[name] as number))
        violation(`buckets: bucket ${k} has no listed size of ${name}`);
    if (!Array.isArray(b.weights)) violation(`buckets: bucket ${k} has no weights map`);
    const chunks = b.weights.map((c, i) => {
      const [from, length, to] = sizes(c, `buckets[${k}].weights[${i}]`);
      if ((c as unknown[]).length !== 3)
        violation(`buckets: bucket ${k} chunk ${i} is not [from, length, to]`);
      if (from! + length! > poolBytes)
        violation(`buckets: bucket ${k} chunk ${i} runs past the ${poolBytes}-byte pool`);
      if (to! + length! > weightsBytes[k]!)
        violation(`buckets: bucket ${k} chunk ${i} runs past its ${weightsBytes[k]}-byte weights image`);
      return [from!, length!, to!] as const;
    });
    return { dims: bdims as Record<string, number>, weights: chunks };
  });
  return { dims, pinned, inputs: io(t.inputs, 'inputs'), outputs: io(t.outputs, 'outputs'), buckets };
}
