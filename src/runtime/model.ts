/**
 * A loaded model: one instance of the chosen code variant over its own memory. A run writes the
 * feeds at their offsets, calls the module's `run(tid, threads)` once, and copies each output out,
 * so returned arrays stay valid after the next run and after dispose().
 */
import type { NeffDType, NeffKernel, NeffMetadata, NeffTensor, WasmFeature } from '../neff/contents.js';
import { NccError } from '../errors.js';
import { allocateOutput, checkFeeds, type TypedArray } from './feeds.js';
import type { WasmMemory } from './wasm-api.js';

export interface TensorInfo {
  readonly name: string;
  readonly dtype: NeffDType;
  readonly shape: readonly number[];
}

export type Feeds = Readonly<Record<string, TypedArray>>;
export type Outputs = Record<string, TypedArray>;

export interface Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** The features of the code variant this host runs. */
  readonly features: readonly WasmFeature[];
  /** Everything the NEFF records: model and compiler, options, memory plan, summary. */
  readonly metadata: NeffMetadata;
  run(feeds: Feeds): Promise<Outputs>;
  /**
   * Runs the schedule `runs` times (default 10) kernel by kernel on the calling thread and returns each
   * kernel's median time: what `neuron-cc profile` prints.
   */
  profile(feeds: Feeds, options?: { readonly runs?: number }): Promise<KernelTiming[]>;
  /** Frees the memory and the module; later run() calls fail. Calling it again does nothing. */
  dispose(): void;
}

export interface KernelTiming extends NeffKernel {
  /** Median milliseconds over the runs. */
  readonly ms: number;
}

type RunExport = (tid: number, threads: number) => void;

interface Live {
  readonly memory: WasmMemory;
  readonly run: RunExport;
  readonly exports: Readonly<Record<string, unknown>>;
}

export class LoadedModel implements Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  private live: Live | undefined;

  constructor(
    readonly metadata: NeffMetadata,
    readonly features: readonly WasmFeature[],
    memory: WasmMemory,
    exports: Readonly<Record<string, unknown>>,
    private readonly isTrap: (e: unknown) => boolean,
  ) {
    this.inputs = metadata.inputs.map(info);
    this.outputs = metadata.outputs.map(info);
    this.live = { memory, run: exports.run as RunExport, exports };
  }

  async run(feeds: Feeds): Promise<Outputs> {
    const live = this.alive('run');
    this.write(live, feeds);
    const checks = this.metadata.checks;
    const word = checks ? new DataView(live.memory.buffer, checks.offset, 4) : undefined;
    word?.setInt32(0, 0, true);
    this.guarded(() => live.run(0, 1));
    const failed = word?.getInt32(0, true) ?? 0;
    if (checks && failed !== 0) {
      const message = checks.messages[failed - 1] ?? `run-time check ${failed} failed`;
      throw new NccError('NCC_BAD_INPUT', message, {
        hint: 'these input values need a behaviour the compiled model does not have',
      });
    }
    const bytes = new Uint8Array(live.memory.buffer);
    const outputs: Outputs = {};
    for (const t of this.metadata.outputs) outputs[t.name] = copyOut(bytes, t);
    return outputs;
  }

  async profile(feeds: Feeds, options: { readonly runs?: number } = {}): Promise<KernelTiming[]> {
    const live = this.alive('profile');
    const runs = options.runs ?? 10;
    if (!(Number.isInteger(runs) && runs >= 1 && runs <= 10000))
      throw new NccError('NCC_BAD_OPTION', `runs must be an integer from 1 to 10000, got ${String(runs)}`);
    const table = this.metadata.kernels;
    if (!table)
      throw new NccError('NCC_BAD_INPUT', 'this NEFF has no kernel table to profile', {
        hint: 'compile the model again with this neuron-cc',
      });
    const fns = table.map((_, i) => live.exports[`k${i}`]);
    if (!fns.every((f) => typeof f === 'function'))
      throw new NccError('NEFF_CORRUPT', 'the code does not export every kernel of the kernel table');
    this.write(live, feeds);
    const samples = table.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) {
      fns.forEach((f, i) => {
        const start = performance.now();
        this.guarded(() => (f as RunExport)(0, 1));
        samples[i]!.push(performance.now() - start);
      });
    }
    return table.map((k, i) => ({ ...k, ms: median(samples[i]!) }));
  }

  private alive(what: string): Live {
    const live = this.live;
    if (!live)
      throw new NccError('NCC_BAD_INPUT', `${what}() on a disposed model`, {
        hint: 'load the NEFF again to run it after dispose()',
      });
    return live;
  }

  private write(live: Live, feeds: Feeds): void {
    const checked = checkFeeds(feeds, this.metadata.inputs);
    // views are made per run: a shared memory's buffer object is not stable across accesses
    const bytes = new Uint8Array(live.memory.buffer);
    for (const t of this.metadata.inputs) {
      const feed = checked.get(t.name)!;
      bytes.set(new Uint8Array(feed.buffer, feed.byteOffset, feed.byteLength), t.offset);
    }
  }

  private guarded(call: () => void): void {
    try {
      call();
    } catch (e) {
      if (!this.isTrap(e)) throw e;
      throw new NccError('NCC_INTERNAL', `the model's code trapped: ${(e as Error).message}`, {
        hint: 'this is a compiler bug: please report it with the model and the neuron-cc version',
        cause: e,
      });
    }
  }

  dispose(): void {
    this.live = undefined;
  }
}

function copyOut(memory: Uint8Array, t: NeffTensor): TypedArray {
  const out = allocateOutput(t);
  new Uint8Array(out.buffer).set(memory.subarray(t.offset, t.offset + t.byteLength));
  return out;
}

function info(t: NeffTensor): TensorInfo {
  return Object.freeze({ name: t.name, dtype: t.dtype, shape: Object.freeze([...t.shape]) });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
