/**
 * The code of a compute worker. `workerMain` becomes the worker's script through its source text
 * (host.ts workerScript), so a bundled runtime needs no separate worker file: it must stay
 * self-contained, using nothing from outside its body but the globals every worker has.
 */
import type { WasmMemory, WasmModule } from './wasm-api.js';

/** A region of linear memory: [offset, offset + bytes) or its contents. */
export type Copy = readonly [offset: number, bytes: Uint8Array];
export type Span = readonly [offset: number, length: number];

/** Test-only: make a worker fail at its first run, by throwing or by dying without a word. */
export type Fault = 'throw' | 'exit';

export type ToWorker =
  | {
      readonly type: 'init';
      readonly module: WasmModule;
      /** The shared memory, or absent: the worker makes its own unshared one with `weights` in it. */
      readonly memory?: WasmMemory;
      readonly pages: number;
      readonly weights?: Copy;
      readonly tid: number;
      readonly threads: number;
      readonly control: { readonly generation: number; readonly abort: number };
      readonly fault?: Fault;
    }
  | {
      readonly type: 'run';
      /** Threads this run uses (fewer than the model's on its first run). */
      readonly threads?: number;
      readonly inputs: readonly Copy[];
      /** Answer with `done` (and these regions) when this thread's run returns. */
      readonly reply: boolean;
      readonly outputs: readonly Span[];
    }
  | {
      readonly type: 'profile';
      readonly inputs: readonly Copy[];
      readonly kernels: number;
      readonly runs: number;
    };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly status: number; readonly outputs: readonly Uint8Array[] }
  | { readonly type: 'profiled'; readonly samples: readonly (readonly number[])[] }
  | { readonly type: 'error'; readonly message: string; readonly trap: boolean };

export interface Port {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export function workerMain(port: Port): void {
  interface Api {
    Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer | SharedArrayBuffer };
    Instance: new (module: unknown, imports: object) => { exports: Record<string, unknown> };
    RuntimeError: new () => Error;
  }
  type Entry = (tid: number, threads: number) => unknown;
  const g = globalThis as unknown as {
    WebAssembly: Api;
    process?: { exit(code: number): never };
    setTimeout(f: () => void, ms: number): unknown;
  };
  let memory: { buffer: ArrayBuffer | SharedArrayBuffer } | undefined;
  let exports: Record<string, unknown> = {};
  let words: Int32Array | undefined;
  let init: Extract<ToWorker, { type: 'init' }> | undefined;

  const bytes = (): Uint8Array => new Uint8Array(memory!.buffer);
  const write = (inputs: readonly Copy[]): void => {
    for (const [at, data] of inputs) bytes().set(data, at);
  };
  const fail = (e: unknown): void => {
    if (words && init) {
      Atomics.store(words, init.control.abort >> 2, 1);
      Atomics.notify(words, init.control.generation >> 2);
    }
    const message = e instanceof Error ? e.message : String(e);
    port.postMessage({ type: 'error', message, trap: e instanceof g.WebAssembly.RuntimeError });
  };
  const injectFault = (fault: Fault): void => {
    if (fault === 'throw') throw new Error('fault injected by a test');
    // die without a word, as a crashed thread would
    if (g.process) g.process.exit(70);
    g.setTimeout(() => {
      throw new Error('fault injected by a test');
    }, 0);
    throw undefined;
  };

  const handle = (msg: ToWorker): void => {
    switch (msg.type) {
      case 'init': {
        init = msg;
        memory = msg.memory ?? new g.WebAssembly.Memory({ initial: msg.pages, maximum: msg.pages });
        if (msg.weights) write([msg.weights]);
        if (msg.memory) words = new Int32Array(msg.memory.buffer as SharedArrayBuffer);
        exports = new g.WebAssembly.Instance(msg.module, { env: { memory } }).exports;
        port.postMessage({ type: 'ready' });
        return;
      }
      case 'run': {
        const fault = init!.fault;
        if (fault) injectFault(fault);
        write(msg.inputs);
        const run = exports.run as Entry;
        let status: number;
        do {
          const r = run(init!.tid, msg.threads ?? init!.threads);
          status = typeof r === 'number' ? r : 0;
        } while (status === 2);
        if (!msg.reply) return;
        const outputs = msg.outputs.map(([at, n]) => bytes().slice(at, at + n));
        port.postMessage(
          { type: 'done', status, outputs },
          outputs.map((o) => o.buffer),
        );
        return;
      }
      case 'profile': {
        write(msg.inputs);
        const samples: number[][] = Array.from({ length: msg.kernels }, () => []);
        for (let r = 0; r < msg.runs; r++) {
          for (let i = 0; i < msg.kernels; i++) {
            const start = performance.now();
            (exports[`k${i}`] as Entry)(0, 1);
            samples[i]!.push(performance.now() - start);
          }
        }
        port.postMessage({ type: 'profiled', samples });
        return;
      }
    }
  };

  port.addEventListener('message', (event) => {
    try {
      handle(event.data as ToWorker);
    } catch (e) {
      if (e !== undefined) fail(e);
    }
  });
}
