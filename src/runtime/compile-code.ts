/**
 * Compiles a code variant so that its first run is already fast.
 *
 * V8 compiles WebAssembly lazily with its baseline compiler (Liftoff) and optimizes a function only
 * after it has run for a while. A NEFF's kernels run once per inference each, so a model's first
 * run executes baseline code throughout: resnet50's took 616 ms against 166 ms for later runs, and
 * mobilenet_v2's 70 against 20. In Node the runtime therefore asks V8 for an eager optimizing
 * compile of this one module (197 ms for resnet50's 0.5 MB of code, spread over V8's background
 * threads), and puts the engine's defaults back at once, so modules compiled later in the process
 * are not affected. Browsers give pages no such control; there the engine's tiering applies.
 */
import { importNodeBuiltin, isNode } from './host.js';
import type { WasmApi, WasmModule } from './wasm-api.js';

/** How the engine compiles a model's code: 'optimized' before the first run, or 'lazy' (its default). */
export type CodeCompilation = 'optimized' | 'lazy';

interface NodeV8 {
  setFlagsFromString(flags: string): void;
}

/** V8 flags that make a compile eager and optimizing, each with the value to restore afterwards. */
const EAGER_FLAGS: readonly (readonly [set: string, restore: string])[] = [
  ['--no-liftoff', '--liftoff'],
  ['--no-wasm-lazy-compilation', '--wasm-lazy-compilation'],
];

export interface CompiledCode {
  readonly module: WasmModule;
  /** Whether the code is optimized already, so the first run may use every thread. */
  readonly optimized: boolean;
}

/** Compiles code as `how` asks; the compile starts before this returns its promise. */
export type CodeCompiler = (api: WasmApi, wasm: Uint8Array) => Promise<CompiledCode>;

export async function codeCompiler(how: CodeCompilation): Promise<CodeCompiler> {
  const v8 = how === 'optimized' ? await nodeV8() : undefined;
  if (!v8) return async (api, wasm) => ({ module: await api.compile(wasm), optimized: false });
  return async (api, wasm) => {
    // flags the process was started with are the user's choice: leave those alone
    const flags = EAGER_FLAGS.filter(([set, restore]) => !startedWith(set) && !startedWith(restore));
    // concurrent loads share the setting: the last one to finish puts the defaults back
    if (inFlight++ === 0) for (const [set] of flags) v8.setFlagsFromString(set);
    try {
      return { module: await api.compile(wasm), optimized: true };
    } finally {
      if (--inFlight === 0) for (const [, restore] of flags) v8.setFlagsFromString(restore);
    }
  };
}

/** Optimizing compiles under way (their flags stay set until the last one ends). */
let inFlight = 0;

async function nodeV8(): Promise<NodeV8 | undefined> {
  if (!isNode()) return undefined;
  try {
    return await importNodeBuiltin<NodeV8>('node:v8');
  } catch {
    return undefined; // a Node-compatible host without V8 flags: its own compile strategy applies
  }
}

function startedWith(flag: string): boolean {
  const argv = (globalThis as { process?: { execArgv?: unknown } }).process?.execArgv;
  const name = flag.replace(/^--(no-)?/, '');
  return (
    Array.isArray(argv) && argv.some((a) => typeof a === 'string' && a.replace(/^--(no-)?/, '') === name)
  );
}
