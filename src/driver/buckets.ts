/**
 * `compile --buckets sequence=16,32,64`: the model compiled once per size of each bucketed dim (every
 * combination), packed into one NEFF whose programs share a weights pool: a weight every bucket packs
 * the same way is stored once. The table records where each named dim sits in every input and output,
 * so the runtime can pad an input to the smallest fitting bucket and crop the outputs, and split a
 * batch larger than the compiled one into runs.
 */
import type { Shape } from '../ir/shape.js';
import { NccError } from '../errors.js';
import { writeBucketedNeff } from '../neff/writer.js';
import { readNeff } from '../neff/reader.js';
import type { Bucket, BucketIo, BucketProgram } from '../neff/buckets.js';
import { EMPTY_IO_CONFIG, type IoConfig } from '../options/io-config.js';
import { compileModel, sourceOptions, type CompileOptions } from './compile.js';
import { loadModel } from './load-model.js';

export interface BucketCompileOptions extends CompileOptions {
  /** Bucketed dim name -> sizes. */
  readonly buckets: ReadonlyMap<string, readonly number[]>;
}

export interface BucketCompileResult {
  readonly neff: Uint8Array;
  readonly buckets: number;
  /** Sum of the buckets' weights images, and the pool that holds them. */
  readonly weightsBytes: number;
  readonly poolBytes: number;
}

export function compileBuckets(path: string, options: BucketCompileOptions): BucketCompileResult {
  const io = options.ioConfig ?? EMPTY_IO_CONFIG;
  const dims = [...options.buckets].map(([name, sizes]) => {
    const sorted = [...new Set(sizes)].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((n) => !Number.isInteger(n) || n < 1))
      throw new NccError('NCC_BAD_OPTION', `--buckets ${name}: sizes must be positive integers`);
    return [name, sorted] as const;
  });
  // the model's named dims, where each input and output has them
  const symbolic = loadModel(path, { ...sourceOptions(options), ioConfig: { ...io, dims: new Map() } }).graph;
  const axesOf = (shape: Shape | undefined, name: string): (string | number)[] => {
    if (!shape) throw new NccError('NCC_BAD_MODEL', `'${name}' has no known rank`, { value: name });
    return shape.map((d) => d);
  };
  const declaredInputs = symbolic.inputs.map((v) => ({ name: v.name, axes: axesOf(v.type.shape, v.name) }));
  const declaredOutputs = symbolic.outputs.map((v) => ({ name: v.name, axes: axesOf(v.type.shape, v.name) }));
  const named = new Set(declaredInputs.flatMap((v) => v.axes.filter((a) => typeof a === 'string')));
  for (const [name] of dims)
    if (!named.has(name))
      throw new NccError('NCC_BAD_OPTION', `--buckets names '${name}', which no input or output has`, {
        hint: `the model's named dims are: ${[...named].join(', ') || '(none)'}`,
      });
  const pinned = Object.fromEntries([...io.dims].filter(([n]) => named.has(n) && !options.buckets.has(n)));
  // every combination of the bucketed sizes, smallest first
  let combos: Record<string, number>[] = [{}];
  for (const [name, sizes] of dims) combos = combos.flatMap((c) => sizes.map((n) => ({ ...c, [name]: n })));
  const pool: Uint8Array[] = [];
  let poolBytes = 0;
  const seen = new Map<string, number>();
  const buckets: Bucket[] = [];
  const programs: BucketProgram[] = [];
  let weightsBytes = 0;
  for (const combo of combos) {
    const bucketIo: IoConfig = { ...io, dims: new Map([...io.dims, ...Object.entries(combo)]) };
    const result = compileModel(path, { ...options, ioConfig: bucketIo });
    const contents = readNeff(result.neff).contents;
    const chunks: [number, number, number][] = [];
    for (const { offset, bytes } of result.weightChunks) {
      const data = contents.weights.subarray(offset, offset + bytes);
      const key = contentKey(data);
      let at = seen.get(key);
      if (at === undefined || !equal(pool, at, data)) {
        at = poolBytes;
        seen.set(key, at);
        pool.push(data.slice());
        poolBytes += data.length;
      }
      chunks.push([at, bytes, offset]);
    }
    weightsBytes += contents.weights.length;
    buckets.push({ dims: combo, weights: chunks });
    programs.push({ metadata: contents.metadata, variants: contents.variants });
  }
  const joined = new Uint8Array(poolBytes);
  let at = 0;
  for (const p of pool) {
    joined.set(p, at);
    at += p.length;
  }
  const pick =
    (list: 'inputs' | 'outputs') => (declared: { name: string; axes: (string | number)[] }, j: number) =>
      settleAxes(
        declared,
        combos,
        programs.map((p) => p.metadata[list][j]!.shape),
        Object.keys(pinned),
      );
  const inputs = declaredInputs.map(pick('inputs'));
  const outputs = declaredOutputs.map(pick('outputs'));
  const neff = writeBucketedNeff({
    table: { dims: Object.fromEntries(dims), pinned, inputs, outputs, buckets },
    pool: joined,
    programs,
  });
  return { neff, buckets: buckets.length, weightsBytes, poolBytes };
}

/**
 * An input's or output's axes: a bucketed or pinned dim's name where the model names it, or where the
 * compiled sizes follow a bucketed dim exactly (inferred output shapes may not keep the names);
 * otherwise the fixed size. An axis that changes with the buckets some other way cannot be cropped.
 */
function settleAxes(
  declared: { name: string; axes: readonly (string | number)[] },
  combos: readonly Record<string, number>[],
  shapes: readonly (readonly number[])[],
  pinned: readonly string[],
): BucketIo {
  const axes = shapes[0]!.map((first, i): string | number => {
    const name = declared.axes[i];
    if (typeof name === 'string' && (name in combos[0]! || pinned.includes(name))) return name;
    const sizes = shapes.map((s) => s[i]!);
    const follows = Object.keys(combos[0]!).find((d) => sizes.every((n, k) => n === combos[k]![d]));
    if (follows && !sizes.every((n) => n === first)) return follows;
    if (sizes.every((n) => n === first)) return first;
    throw new NccError(
      'NCC_UNSUPPORTED_OP',
      `axis ${i} of '${declared.name}' changes with the buckets (${sizes.join(', ')}) but is none of the bucketed dims`,
      {
        value: declared.name,
        hint: 'bucket a dim the outputs carry as it is (a sequence length, an image side)',
      },
    );
  });
  return { name: declared.name, axes };
}

/** A cheap content key (FNV-1a over the bytes and the length); equal keys are confirmed byte by byte. */
function contentKey(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return `${data.length}:${h >>> 0}`;
}

function equal(pool: readonly Uint8Array[], at: number, data: Uint8Array): boolean {
  let start = 0;
  for (const p of pool) {
    if (start === at) return p.length === data.length && p.every((b, i) => b === data[i]);
    start += p.length;
  }
  return false;
}
