/**
 * Where a model's code runs. LocalExecutor: the calling thread is thread 0 (Node, or a worker that
 * loaded the model), with workers for threads 1..n-1 over the same shared memory; with one thread
 * no worker exists. RemoteExecutor: every thread is a worker (a browser page, whose main thread
 * must not block); over an unshared memory its one worker also does the I/O.
 *
 * When the code was compiled lazily (browsers, or load's compile: 'lazy'), the first run uses
 * thread 0 alone: its code is still the engine's baseline compile, and the optimizing compiler tiers
 * it up in the background, on a core the other threads would take (resnet50's first run measured
 * 1100 ms on two threads against 650 ms on one; the rest are 1.9x faster on two).
 */
import { NccError } from '../errors.js';
import { STATUS } from './abi.js';
import type { WasmMemory } from './wasm-api.js';
import type { Copy, Span } from './worker-main.js';
import type { WorkerSet } from './workers.js';

export interface Executor {
  readonly threads: number;
  /** Writes `inputs`, runs the schedule once on every thread, and copies out `outputs`. */
  run(inputs: readonly Copy[], outputs: readonly Span[]): Promise<Uint8Array[]>;
  /** Per kernel, its time in ms on each of `runs` runs, as thread 0 of 1. */
  profile(inputs: readonly Copy[], kernels: number, runs: number): Promise<number[][]>;
  dispose(): void;
}

type Entry = (tid: number, threads: number) => unknown;

const statusOf = (r: unknown): number => (typeof r === 'number' ? r : STATUS.done);

/** Lets the event loop run (worker deaths are reported there) before thread 0 waits again. */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => {
    const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });

export class LocalExecutor implements Executor {
  constructor(
    private readonly memory: WasmMemory,
    private readonly exports: Readonly<Record<string, unknown>>,
    readonly threads: number,
    private readonly workers: WorkerSet | undefined,
    private readonly isTrap: (e: unknown) => boolean,
    /** Whether the code is optimized already (else the first run uses one thread). */
    private warm: boolean,
  ) {}

  async run(inputs: readonly Copy[], outputs: readonly Span[]): Promise<Uint8Array[]> {
    this.workers?.check();
    write(this.memory, inputs);
    const threads = this.warm ? this.threads : 1;
    this.warm = true;
    for (let tid = 1; tid < threads; tid++)
      this.workers!.post(tid, { type: 'run', inputs: [], reply: false, outputs: [] });
    const run = this.exports.run as Entry;
    let status = this.call(() => statusOf(run(0, threads)));
    while (status === STATUS.waiting) {
      await nextTurn();
      status = this.call(() => statusOf(run(0, threads)));
    }
    if (status !== STATUS.done) {
      if (this.workers) throw await this.workers.whenFailed();
      throw new NccError('NCC_INTERNAL', `the model's code returned status ${status} on one thread`, {
        hint: 'the code in this NEFF does not match the runtime ABI: compile the model again with this neuron-cc',
      });
    }
    return outputs.map((span) => read(this.memory, span));
  }

  async profile(inputs: readonly Copy[], kernels: number, runs: number): Promise<number[][]> {
    this.workers?.check();
    write(this.memory, inputs);
    const fns = Array.from({ length: kernels }, (_, i) => this.exports[`k${i}`] as Entry);
    const samples = fns.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) {
      fns.forEach((f, i) => {
        const start = performance.now();
        this.call(() => f(0, 1));
        samples[i]!.push(performance.now() - start);
      });
    }
    return samples;
  }

  dispose(): void {
    this.workers?.terminate();
  }

  /** A trap on this thread: the workers are stopped (they would wait for it) and it is an error. */
  private call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!this.isTrap(e)) throw e;
      const message = `the model's code trapped: ${(e as Error).message}`;
      this.workers?.fail(0, message, true);
      throw new NccError('NCC_INTERNAL', message, {
        hint: 'this is a compiler bug: please report it with the model and the neuron-cc version',
        cause: e,
      });
    }
  }
}

export class RemoteExecutor implements Executor {
  constructor(
    private readonly workers: WorkerSet,
    readonly threads: number,
    /** The shared memory, written and read here; absent: worker 0 owns the memory and does the I/O. */
    private readonly memory: WasmMemory | undefined,
    /** Whether the code is optimized already (else the first run uses one thread). */
    private warm: boolean,
  ) {}

  async run(inputs: readonly Copy[], outputs: readonly Span[]): Promise<Uint8Array[]> {
    this.workers.check();
    const memory = this.memory;
    if (memory) write(memory, inputs);
    const done = this.workers.next(0, 'done');
    const threads = this.warm ? this.threads : 1;
    this.warm = true;
    for (let tid = threads - 1; tid >= 0; tid--) {
      const mine = tid === 0 && !memory;
      const sent = mine ? inputs.map(own) : [];
      this.workers.post(
        tid,
        { type: 'run', threads, inputs: sent, reply: tid === 0, outputs: mine ? outputs : [] },
        sent.map(([, b]) => b.buffer),
      );
    }
    const { status, outputs: copies } = await done;
    if (status !== STATUS.done) throw await this.workers.whenFailed();
    return memory ? outputs.map((span) => read(memory, span)) : [...copies];
  }

  async profile(inputs: readonly Copy[], kernels: number, runs: number): Promise<number[][]> {
    const memory = this.memory;
    if (memory) write(memory, inputs);
    const answer = this.workers.next(0, 'profiled');
    const sent = memory ? [] : inputs.map(own);
    this.workers.post(
      0,
      { type: 'profile', inputs: sent, kernels, runs },
      sent.map(([, b]) => b.buffer),
    );
    return (await answer).samples.map((s) => [...s]);
  }

  dispose(): void {
    this.workers.terminate();
  }
}

function write(memory: WasmMemory, inputs: readonly Copy[]): void {
  // views are made per call: a shared memory's buffer object is not stable across accesses
  const bytes = new Uint8Array(memory.buffer);
  for (const [at, data] of inputs) bytes.set(data, at);
}

function read(memory: WasmMemory, [at, length]: Span): Uint8Array {
  return new Uint8Array(memory.buffer).slice(at, at + length);
}

/** A copy the message can transfer (a view would clone its whole buffer, and the caller's). */
function own([at, data]: Copy): Copy {
  return [at, data.slice()];
}
