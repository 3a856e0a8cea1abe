/**
 * A loaded model: one code variant over its own memory, run by an executor (on the calling thread,
 * and on workers when it has more threads). A run writes the feeds at their offsets, runs the
 * schedule, and copies each output out, so returned arrays stay valid after the next run and after
 * dispose(). Calls queue: one run at a time per model, in call order.
 */
import type { NeffDType, NeffKernel, NeffMetadata, NeffTensor, WasmFeature } from '../neff/contents.js';
import { NccError } from '../errors.js';
import type { Executor } from './executor.js';
import { allocateOutput, checkFeeds, type TypedArray } from './feeds.js';
import type { Copy, Span } from './worker-main.js';

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
  /** Threads each run uses (the calling thread or a worker counts as one). */
  readonly threads: number;
  /** Everything the NEFF records: model and compiler, options, memory plan, summary. */
  readonly metadata: NeffMetadata;
  run(feeds: Feeds): Promise<Outputs>;
  /**
   * Runs the schedule `runs` times (default 10) kernel by kernel on one thread and returns each
   * kernel's median time: what `neuron-cc profile` prints.
   */
  profile(feeds: Feeds, options?: { readonly runs?: number }): Promise<KernelTiming[]>;
  /**
   * Frees the memory and the module and ends the model's workers; later run() calls fail. Calling it
   * again does nothing.
   */
  dispose(): void;
}

export interface KernelTiming extends NeffKernel {
  /** Median milliseconds over the runs. */
  readonly ms: number;
}

export class LoadedModel implements Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly threads: number;
  private executor: Executor | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly metadata: NeffMetadata,
    readonly features: readonly WasmFeature[],
    executor: Executor,
  ) {
    this.inputs = metadata.inputs.map(info);
    this.outputs = metadata.outputs.map(info);
    this.threads = executor.threads;
    this.executor = executor;
  }

  run(feeds: Feeds): Promise<Outputs> {
    return this.enqueue('run', feeds, async (executor, inputs) => {
      const checks = this.metadata.checks;
      const spans: Span[] = this.metadata.outputs.map((t) => [t.offset, t.byteLength]);
      if (checks) {
        inputs.push([checks.offset, new Uint8Array(4)]);
        spans.push([checks.offset, 4]);
      }
      const bytes = await executor.run(inputs, spans);
      if (checks) {
        const failed = new DataView(bytes.pop()!.buffer).getInt32(0, true);
        if (failed !== 0) {
          const message = checks.messages[failed - 1] ?? `run-time check ${failed} failed`;
          throw new NccError('NCC_BAD_INPUT', message, {
            hint: 'these input values need a behaviour the compiled model does not have',
          });
        }
      }
      const outputs: Outputs = {};
      this.metadata.outputs.forEach((t, i) => (outputs[t.name] = copyOut(bytes[i]!, t)));
      return outputs;
    });
  }

  profile(feeds: Feeds, options: { readonly runs?: number } = {}): Promise<KernelTiming[]> {
    return this.enqueue('profile', feeds, async (executor, inputs) => {
      const runs = options.runs ?? 10;
      if (!(Number.isInteger(runs) && runs >= 1 && runs <= 10000))
        throw new NccError('NCC_BAD_OPTION', `runs must be an integer from 1 to 10000, got ${String(runs)}`);
      const table = this.metadata.kernels;
      if (!table)
        throw new NccError('NCC_BAD_INPUT', 'this NEFF has no kernel table to profile', {
          hint: 'compile the model again with this neuron-cc',
        });
      const samples = await executor.profile(inputs, table.length, runs);
      return table.map((k, i) => ({ ...k, ms: median(samples[i]!) }));
    });
  }

  dispose(): void {
    this.executor?.dispose();
    this.executor = undefined;
  }

  /**
   * Runs `job` after every earlier call has settled. The model's state and the feeds are checked at
   * once, so a bad call fails without waiting; the feeds' contents are read when the job starts.
   */
  private enqueue<T>(
    what: string,
    feeds: Feeds,
    job: (executor: Executor, inputs: Copy[]) => Promise<T>,
  ): Promise<T> {
    let inputs: Copy[];
    try {
      this.alive(what);
      inputs = this.copies(feeds);
    } catch (e) {
      return Promise.reject(e);
    }
    const next = this.queue.then(() => job(this.alive(what), inputs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private alive(what: string): Executor {
    const executor = this.executor;
    if (!executor)
      throw new NccError('NCC_BAD_INPUT', `${what}() on a disposed model`, {
        hint: 'load the NEFF again to run it after dispose()',
      });
    return executor;
  }

  /** The feeds as copies to write (checked now, so a bad feed fails the call that passed it). */
  private copies(feeds: Feeds): Copy[] {
    const checked = checkFeeds(feeds, this.metadata.inputs);
    return this.metadata.inputs.map((t) => {
      const feed = checked.get(t.name)!;
      return [t.offset, new Uint8Array(feed.buffer, feed.byteOffset, feed.byteLength)];
    });
  }
}

function copyOut(bytes: Uint8Array, t: NeffTensor): TypedArray {
  const out = allocateOutput(t);
  new Uint8Array(out.buffer).set(bytes.subarray(0, t.byteLength));
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
