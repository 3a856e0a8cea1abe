/**
 * A bucketed NEFF loaded: each bucket's program is loaded when an input first needs it. An input is
 * padded with zeros to the smallest bucket it fits (every bucketed dim at once), a batch larger or
 * smaller than the compiled one runs in compiled-size pieces, and the outputs are cropped to the
 * sizes the inputs had. Inputs come with their shapes, since those vary; outputs carry theirs.
 */
import type { BucketedNeff, BucketIo } from '../neff/buckets.js';
import { bucketContents } from '../neff/buckets.js';
import type { NeffDType, NeffMetadata, WasmFeature } from '../neff/contents.js';
import { writeNeff } from '../neff/writer.js';
import { NccError } from '../errors.js';
import { allocateOutput, type TypedArray } from './feeds.js';
import type { Feeds, KernelTiming, Model, Outputs, TensorInfo } from './model.js';

export interface ShapedTensor {
  readonly dtype: NeffDType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/** A feed as data with its shape; plain data means the largest bucket's shape. */
export type ShapedFeeds = Readonly<
  Record<string, TypedArray | { readonly data: TypedArray; readonly shape: readonly number[] }>
>;

export class BucketedModel implements Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly metadata: NeffMetadata;
  private readonly loaded = new Map<number, Promise<Model>>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    readonly file: BucketedNeff,
    private readonly loadProgram: (bytes: Uint8Array) => Promise<Model>,
    readonly features: readonly WasmFeature[],
    readonly threads: number,
  ) {
    const last = file.programs[file.programs.length - 1]!.metadata;
    this.metadata = last;
    this.inputs = last.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
    this.outputs = last.outputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
  }

  /** A program loaded already (the loader loads the smallest to learn the host's features). */
  adopt(k: number, model: Model): void {
    this.loaded.set(k, Promise.resolve(model));
  }

  /** The named dims of each input and output (bucketed ones vary; pinned ones split a batch). */
  get table() {
    return this.file.table;
  }

  async run(feeds: Feeds): Promise<Outputs> {
    const out = await this.runShaped(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data]));
  }

  runShaped(feeds: ShapedFeeds): Promise<Record<string, ShapedTensor>> {
    const result = this.queue.then(() => this.runOnce(feeds));
    this.queue = result.catch(() => undefined);
    return result;
  }

  profile(): Promise<KernelTiming[]> {
    return Promise.reject(
      new NccError('NCC_BAD_OPTION', 'profile a bucketed NEFF one bucket at a time', {
        hint: 'compile the bucket alone',
      }),
    );
  }

  dispose(): void {
    this.disposed = true;
    for (const m of this.loaded.values()) void m.then((x) => x.dispose()).catch(() => undefined);
  }

  private async runOnce(feeds: ShapedFeeds): Promise<Record<string, ShapedTensor>> {
    if (this.disposed)
      throw new NccError('NCC_BAD_INPUT', 'the model was disposed', { hint: 'load it again' });
    const { table } = this.file;
    const given = new Map(
      table.inputs.map((io, i) => {
        const f = feeds[io.name];
        if (f === undefined)
          throw new NccError('NCC_BAD_INPUT', `no value given for input '${io.name}'`, { value: io.name });
        const data = ArrayBuffer.isView(f) ? f : f.data;
        const shape = ArrayBuffer.isView(f) ? this.inputs[i]!.shape : f.shape;
        if (shape.length !== io.axes.length || shape.reduce((a, b) => a * b, 1) !== data.length)
          throw new NccError(
            'NCC_BAD_INPUT',
            `input '${io.name}' has ${data.length} values, not the shape [${shape}] of rank ${io.axes.length}`,
            { value: io.name },
          );
        return [io.name, { data, shape }];
      }),
    );
    const sizes = dimSizes(table.inputs, given);
    const k = this.pickBucket(sizes);
    const bucket = table.buckets[k]!;
    const model = await this.program(k);
    // a pinned dim on axis 0 of everything (a batch) runs in compiled-size pieces
    const batch = Object.entries(table.pinned).find(([d, n]) => sizes.has(d) && sizes.get(d) !== n);
    if (batch && ![...table.inputs, ...table.outputs].every((io) => io.axes[0] === batch[0]))
      throw new NccError(
        'NCC_BAD_INPUT',
        `${batch[0]} is ${sizes.get(batch[0])}; the model was compiled for ${batch[1]}`,
        { hint: `give ${batch[1]}, or compile with --io-config dims ${batch[0]} as needed` },
      );
    const rows = batch ? sizes.get(batch[0])! : 1;
    const step = batch ? batch[1] : 1;
    const pieces: Record<string, ShapedTensor>[] = [];
    for (let start = 0; start < rows; start += step) {
      const compiled = (io: BucketIo): number[] =>
        io.axes.map((a) =>
          typeof a === 'number' ? a : (bucket.dims[a] ?? table.pinned[a] ?? sizes.get(a)!),
        );
      const inputs: Record<string, TypedArray> = {};
      for (const [i, io] of table.inputs.entries()) {
        const { data, shape } = given.get(io.name)!;
        const target = compiled(io);
        const region = shape.map((n, a) => (batch && a === 0 ? Math.min(step, n - start) : n));
        const dst = alloc(
          this.inputs[i]!.dtype,
          target.reduce((x, y) => x * y, 1),
        );
        copyBlock(data, shape, batch ? start : 0, dst, target, region);
        inputs[io.name] = dst;
      }
      const out = await model.run(inputs);
      pieces.push(
        Object.fromEntries(
          table.outputs.map((io, j) => {
            const shape = compiled(io);
            const want = io.axes.map((a, x) =>
              typeof a === 'number'
                ? a
                : batch && x === 0
                  ? Math.min(step, rows - start)
                  : (sizes.get(a) ?? shape[x]!),
            );
            const dst = alloc(
              model.outputs[j]!.dtype,
              want.reduce((x, y) => x * y, 1),
            );
            copyBlock(out[io.name]!, shape, 0, dst, want, want);
            return [io.name, { dtype: model.outputs[j]!.dtype, shape: want, data: dst }];
          }),
        ),
      );
    }
    return Object.fromEntries(table.outputs.map((io) => [io.name, concat(pieces.map((p) => p[io.name]!))]));
  }

  /** The smallest bucket holding every fed size (by elements), or a clear error. */
  private pickBucket(sizes: ReadonlyMap<string, number>): number {
    const { table } = this.file;
    let best = -1;
    let bestCost = Infinity;
    table.buckets.forEach((b, k) => {
      if (!Object.entries(b.dims).every(([d, n]) => (sizes.get(d) ?? n) <= n)) return;
      const cost = Object.values(b.dims).reduce((x, y) => x * y, 1);
      if (cost < bestCost) [best, bestCost] = [k, cost];
    });
    if (best < 0) {
      const wanted = Object.keys(table.dims)
        .map((d) => `${d} ${sizes.get(d)}`)
        .join(', ');
      const largest = Object.entries(table.dims)
        .map(([d, v]) => `${d} ${v[v.length - 1]}`)
        .join(', ');
      throw new NccError('NCC_BAD_INPUT', `no bucket fits ${wanted}: the largest is ${largest}`, {
        hint: 'compile with a larger size in --buckets, or cut the input',
      });
    }
    return best;
  }

  private program(k: number): Promise<Model> {
    let m = this.loaded.get(k);
    if (!m) {
      m = this.loadProgram(writeNeff(bucketContents(this.file, k)));
      this.loaded.set(k, m);
    }
    return m;
  }
}

function alloc(dtype: NeffDType, count: number): TypedArray {
  return allocateOutput({ name: '', dtype, shape: [count], offset: 0, byteLength: 0 });
}

/** Each named dim's fed size, which every input naming it must agree on. */
function dimSizes(
  inputs: readonly BucketIo[],
  given: ReadonlyMap<string, { shape: readonly number[] }>,
): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const io of inputs)
    io.axes.forEach((a, i) => {
      const n = given.get(io.name)!.shape[i]!;
      if (typeof a === 'number') {
        if (n !== a)
          throw new NccError('NCC_BAD_INPUT', `input '${io.name}' axis ${i} must be ${a}, got ${n}`, {
            value: io.name,
          });
        return;
      }
      if (sizes.has(a) && sizes.get(a) !== n)
        throw new NccError('NCC_BAD_INPUT', `${a} is ${sizes.get(a)} in one input and ${n} in '${io.name}'`, {
          value: io.name,
        });
      sizes.set(a, n);
    });
  return sizes;
}

/**
 * Copies the leading `region` of src (shape `from`, rows starting at `row` on axis 0) into the
 * leading corner of dst (shape `to`); the rest of dst stays zero.
 */
function copyBlock(
  src: TypedArray,
  from: readonly number[],
  row: number,
  dst: TypedArray,
  to: readonly number[],
  region: readonly number[],
): void {
  const rank = from.length;
  if (rank === 0) {
    (dst as Float32Array)[0] = (src as Float32Array)[0]!;
    return;
  }
  const stride = (shape: readonly number[]) =>
    shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const [fs, ts] = [stride(from), stride(to)];
  const inner = region[rank - 1]!;
  const walk = (axis: number, s: number, d: number): void => {
    if (axis === rank - 1) {
      (dst as Float32Array).set((src as Float32Array).subarray(s, s + inner), d);
      return;
    }
    for (let i = 0; i < region[axis]!; i++) walk(axis + 1, s + i * fs[axis]!, d + i * ts[axis]!);
  };
  walk(0, row * fs[0]!, 0);
}

/** Pieces of a batch joined along axis 0. */
function concat(parts: readonly ShapedTensor[]): ShapedTensor {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  const data = alloc(
    first.dtype,
    parts.reduce((n, p) => n + p.data.length, 0),
  );
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return {
    dtype: first.dtype,
    shape: [parts.reduce((n, p) => n + p.shape[0]!, 0), ...first.shape.slice(1)],
    data,
  };
}
