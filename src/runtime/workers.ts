/**
 * A model's compute workers: each instantiates the same module (over the same shared memory, or
 * alone over its own), runs its thread's share on request, and reports. The first failure of any
 * worker (an error, a trap, an exit) raises the abort word so no thread waits at a barrier for it,
 * and from then on every request fails with that coded error: a dead thread never hangs a run.
 */
import { NccError } from '../errors.js';
import { CONTROL } from './abi.js';
import { spawnWorker, type ComputeWorker } from './spawn.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';
import type { Copy, Fault, FromWorker, ToWorker } from './worker-main.js';

/** Test-only: the next WorkerSet makes worker `tid` fail at its first run. */
export const testing: { fault?: { readonly tid: number; readonly kind: Fault } } = {};

export interface WorkerSetOptions {
  readonly module: WasmModule;
  /** Shared memory (the threads form); absent: one worker over its own memory holding `weights`. */
  readonly memory?: WasmMemory;
  readonly pages: number;
  readonly weights?: Copy;
  /** The threads these workers are (thread 0 may be the caller's). */
  readonly tids: readonly number[];
  readonly threads: number;
}

type Waiter = { readonly type: FromWorker['type']; resolve(m: FromWorker): void; reject(e: NccError): void };

export class WorkerSet {
  private failure: NccError | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private readonly onFailure: (() => void)[] = [];
  private workers = new Map<number, ComputeWorker>();
  private readonly words: Int32Array | undefined;

  private constructor(
    private readonly threads: number,
    memory: WasmMemory | undefined,
  ) {
    this.words = memory && new Int32Array(memory.buffer as SharedArrayBuffer);
  }

  static async start(o: WorkerSetOptions): Promise<WorkerSet> {
    const set = await WorkerSet.spawn(o);
    await set.init(o);
    return set;
  }

  /**
   * Starts the workers without a module: they boot (tens of ms each in Node) while the caller's
   * engine compiles the code; `init` then gives them the module.
   */
  static async spawn(o: {
    readonly threads: number;
    readonly memory?: WasmMemory;
    readonly tids: readonly number[];
  }): Promise<WorkerSet> {
    const set = new WorkerSet(o.threads, o.memory);
    try {
      for (const tid of o.tids) {
        const w = await spawnWorker({
          message: (m) => set.received(tid, m),
          failure: (why) => set.fail(tid, why),
        });
        set.workers.set(tid, w);
      }
    } catch (e) {
      set.terminate();
      throw e;
    }
    return set;
  }

  /** Gives every worker its module (and memory or weights) and waits until all are ready. */
  async init(o: WorkerSetOptions): Promise<void> {
    const fault = testing.fault;
    testing.fault = undefined;
    try {
      const readies = o.tids.map((tid) => {
        // listen before the worker can answer
        const ready = this.next(tid, 'ready');
        ready.catch(() => undefined);
        const init: ToWorker = {
          type: 'init',
          module: o.module,
          ...(o.memory ? { memory: o.memory } : {}),
          pages: o.pages,
          ...(o.weights ? { weights: o.weights } : {}),
          tid,
          threads: o.threads,
          control: { generation: CONTROL.generation, abort: CONTROL.abort },
          ...(fault?.tid === tid ? { fault: fault.kind } : {}),
        };
        this.workers.get(tid)!.post(init);
        return ready;
      });
      await Promise.all(readies);
    } catch (e) {
      this.terminate();
      throw e;
    }
  }

  /** Throws the failure that ended these workers, if one did. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  get failed(): NccError | undefined {
    return this.failure;
  }

  post(tid: number, message: ToWorker, transfer?: readonly unknown[]): void {
    this.check();
    this.workers.get(tid)!.post(message, transfer);
  }

  /** The next message of `type` from worker `tid`; rejects when any worker fails first. */
  next<T extends FromWorker['type']>(tid: number, type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const w = this.workers.get(tid)!;
      w.hold(true);
      const done = (): void => {
        this.waiters.delete(tid);
        w.hold(false);
      };
      this.waiters.set(tid, {
        type,
        resolve: (m) => (done(), resolve(m as Extract<FromWorker, { type: T }>)),
        reject: (e) => (done(), reject(e)),
      });
    });
  }

  /**
   * Resolves with the failure once there is one: after a run returned `aborted`, the report of the
   * worker that aborted it may still be on its way (the workers keep Node alive meanwhile).
   */
  whenFailed(): Promise<NccError> {
    return new Promise((resolve) => {
      if (this.failure) return resolve(this.failure);
      for (const w of this.workers.values()) w.hold(true);
      this.onFailure.push(() => {
        for (const w of this.workers.values()) w.hold(false);
        resolve(this.failure!);
      });
    });
  }

  /** Raises the abort word and wakes every thread sleeping at a barrier. */
  abort(): void {
    if (!this.words) return;
    Atomics.store(this.words, CONTROL.abort >> 2, 1);
    Atomics.notify(this.words, CONTROL.generation >> 2);
  }

  /** Ends the workers for good: later requests fail, and a thread waiting for them returns. */
  terminate(): void {
    this.abort();
    for (const w of this.workers.values()) w.terminate();
    this.workers.clear();
    this.failure ??= new NccError('NCC_BAD_INPUT', 'the model was disposed', {
      hint: 'load the NEFF again to run it after dispose()',
    });
    this.settle();
  }

  private received(tid: number, m: FromWorker): void {
    if (m.type === 'error') {
      this.fail(tid, m.message, m.trap);
      return;
    }
    const waiter = this.waiters.get(tid);
    if (waiter?.type === m.type) waiter.resolve(m);
  }

  fail(tid: number, why: string, trap = false): void {
    if (this.failure) return;
    this.abort();
    this.failure = trap
      ? new NccError('NCC_INTERNAL', `the model's code trapped in thread ${tid}: ${why}`, {
          hint: 'this is a compiler bug: please report it with the model and the neuron-cc version',
        })
      : new NccError(
          'NCC_THREAD_FAILED',
          `compute thread ${tid} of ${this.threads} failed: ${why}; the model cannot run any more`,
          { hint: 'load the NEFF again; if it keeps failing, try load(..., { threads: 1 })' },
        );
    this.settle();
  }

  private settle(): void {
    for (const w of [...this.waiters.values()]) w.reject(this.failure!);
    for (const f of this.onFailure.splice(0)) f();
  }
}
