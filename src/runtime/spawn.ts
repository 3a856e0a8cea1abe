/**
 * Compute workers, the same to the rest of the runtime in Node (worker_threads) and browsers (Web
 * Workers from a blob: URL, so no worker file has to be served). Every worker runs workerMain.
 */
import { importNodeBuiltin, isNode, workerScript } from './host.js';
import { workerMain, type FromWorker, type ToWorker } from './worker-main.js';

export interface ComputeWorker {
  post(message: ToWorker, transfer?: readonly unknown[]): void;
  /** Whether the worker keeps a Node process alive (it should only while one awaits it). */
  hold(on: boolean): void;
  terminate(): void;
}

export interface WorkerEvents {
  message(message: FromWorker): void;
  /** It died: an uncaught error, or it exited. Called at most once. */
  failure(why: string): void;
}

let script: string | undefined;
let blobUrl: string | undefined;

export async function spawnWorker(events: WorkerEvents): Promise<ComputeWorker> {
  script ??= workerScript(workerMain.toString());
  let failed = false;
  const failure = (why: string): void => {
    if (failed) return;
    failed = true;
    events.failure(why);
  };
  return isNode() ? spawnNode(script, events, failure) : spawnBrowser(script, events, failure);
}

interface NodeWorker {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', f: (m: FromWorker) => void): void;
  on(event: 'error', f: (e: Error) => void): void;
  on(event: 'exit', f: (code: number) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

async function spawnNode(
  source: string,
  events: WorkerEvents,
  failure: (why: string) => void,
): Promise<ComputeWorker> {
  const { Worker } = await importNodeBuiltin<{
    Worker: new (code: string, options: { eval: true; name?: string }) => NodeWorker;
  }>('node:worker_threads');
  const w = new Worker(source, { eval: true, name: 'neuron-cc compute' });
  let terminated = false;
  w.on('message', (m) => events.message(m));
  w.on('error', (e) => failure(`an uncaught error: ${e.message}`));
  w.on('exit', (code) => {
    if (!terminated) failure(`it exited with code ${code}`);
  });
  return {
    post: (message, transfer) => w.postMessage(message, transfer),
    hold: (on) => (on ? w.ref() : w.unref()),
    terminate: () => {
      terminated = true;
      void w.terminate();
    },
  };
}

interface BrowserWorker {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  onmessage: ((e: { data: FromWorker }) => void) | null;
  onerror: ((e: { message?: string; preventDefault(): void }) => void) | null;
  onmessageerror: (() => void) | null;
  terminate(): void;
}

interface BrowserGlobals {
  Worker: new (url: string) => BrowserWorker;
  Blob: new (parts: string[], options: { type: string }) => unknown;
  URL: { createObjectURL(blob: unknown): string };
}

async function spawnBrowser(
  source: string,
  events: WorkerEvents,
  failure: (why: string) => void,
): Promise<ComputeWorker> {
  const g = globalThis as unknown as BrowserGlobals;
  // one small blob per page, kept: a worker may fetch its script after new Worker() returns
  blobUrl ??= g.URL.createObjectURL(new g.Blob([source], { type: 'text/javascript' }));
  const w = new g.Worker(blobUrl);
  w.onmessage = (e) => events.message(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    failure(`an uncaught error: ${e.message ?? 'unknown'}`);
  };
  w.onmessageerror = () => failure('a message it could not read');
  return {
    post: (message, transfer) => w.postMessage(message, transfer),
    hold: () => {},
    terminate: () => w.terminate(),
  };
}
