/**
 * The one place that touches Node.js. Node modules are imported by a computed specifier, so browser
 * bundlers (esbuild, webpack, Vite) neither resolve nor polyfill them: a browser never reaches these
 * paths, and its bundle stays free of Node built-ins without any bundler configuration.
 */

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

type NodeBuiltin = 'node:fs/promises' | 'node:v8' | 'node:os' | 'node:worker_threads';

export async function importNodeBuiltin<T>(name: NodeBuiltin): Promise<T> {
  const specifier: string = name;
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
}

/**
 * Whether this thread may block in Atomics.wait: everywhere but a browser's main thread (a page has
 * a document; workers, Node and other server runtimes do not).
 */
export function canBlock(): boolean {
  return typeof (globalThis as { document?: unknown }).document === 'undefined';
}

/**
 * Script text that calls `main(port)` with the worker's end of its message channel. In Node the
 * port comes by dynamic import, which works whether the worker's code is taken as CommonJS or (under
 * --input-type=module, which workers inherit) as a module; messages wait until it listens.
 */
export function workerScript(main: string): string {
  const nodeThreads = JSON.stringify('node:worker_threads');
  return isNode()
    ? `import(${nodeThreads}).then((threads) => (${main})(threads.parentPort));`
    : `(${main})(self);`;
}

/** The host's logical processors (1 when it will not say). */
export async function processorCount(): Promise<number> {
  if (isNode()) {
    const os = await importNodeBuiltin<NodeOs>('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}

interface NodeOs {
  availableParallelism?(): number;
  cpus(): unknown[];
}
