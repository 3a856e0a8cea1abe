/**
 * load(): read and validate a NEFF, pick the best code variant the host runs, give it its memory
 * (weights copied in at their offset), instantiate it and start its workers. Everything that can
 * fail here fails with a coded error before run() is ever called.
 */
import type { NeffMemory, WasmFeature } from '../neff/contents.js';
import { FEATURES, WASM_PAGE } from '../neff/format.js';
import { checksummer, type BlockHasher } from '../neff/checksum.js';
import { damagedWeights, readNeff, readNeffDeferred, type NeffSection } from '../neff/reader.js';
import { bucketContents } from '../neff/buckets.js';
import { writeNeff } from '../neff/writer.js';
import { BucketedModel } from './bucketed.js';
import { NccError } from '../errors.js';
import { LocalExecutor, RemoteExecutor, type Executor } from './executor.js';
import { codeCompiler, type CodeCompilation, type CompiledCode } from './compile-code.js';
import { hostHas, hostRunsUnshared } from './features.js';
import { canBlock } from './host.js';
import { LoadedModel, type Model } from './model.js';
import { selectVariant, type Selection } from './select.js';
import { readSource, type DeferredWeights, type NeffSource, type SourceBytes } from './source.js';
import { resolveThreads } from './thread-count.js';
import { unsharedModule } from './unshare.js';
import { wasmApi, type WasmApi, type WasmMemory } from './wasm-api.js';
import { WorkerSet } from './workers.js';
import { memoryBlockHasher } from './xxh32-simd.js';

export interface LoadOptions {
  /**
   * Threads each run uses. Default: the host's processors, at most 8 and at most what the model has
   * work for. In Node and in workers the calling thread is one of them (1 = no worker at all); on a
   * browser page every thread is a Web Worker, so the page never blocks. Without SharedArrayBuffer
   * (a page that is not cross-origin isolated) a model runs on one thread.
   */
  readonly threads?: number;
  /**
   * Use only these WebAssembly features (default: whatever the host has). Pins a fallback variant,
   * e.g. ['simd128'] for results that do not depend on whether the host fuses multiply-adds; leaving
   * out 'threads' runs the model on one thread.
   */
  readonly features?: readonly WasmFeature[];
  /**
   * 'optimized' (default): in Node, the engine's optimizing compiler compiles the code during load,
   * so the first run is as fast as later ones. 'lazy': the engine's default tiering (a faster load,
   * a first run several times slower). Browsers always tier lazily.
   */
  readonly compile?: CodeCompilation;
}

export async function load(source: NeffSource, options: LoadOptions = {}): Promise<Model> {
  checkOptions(options);
  const read = await readSource(source);
  try {
    return await instantiate(read, options);
  } catch (e) {
    const file = read.file;
    if (e instanceof NccError && file !== undefined && e.subject.file === undefined)
      throw new NccError(e.code, e.message, { ...e.subject, file, hint: e.hint, cause: e });
    throw e;
  } finally {
    await read.weights?.close();
  }
}

/**
 * The weights section and where its bytes come from: in hand, or still in the file (read straight
 * into memory). Either way they are checked against the section's checksum as they are placed.
 */
interface Weights {
  readonly section: NeffSection;
  readonly bytes: Uint8Array;
  readonly deferred: DeferredWeights | undefined;
}

async function instantiate(read: SourceBytes, options: LoadOptions): Promise<Model> {
  const api = wasmApi();
  checkLittleEndian();
  const { file, weights: section } = readNeffDeferred(read.bytes);
  if (file.buckets) return bucketed(read, section, options);
  const { metadata, variants } = file.contents;
  const weights: Weights = { section, bytes: file.contents.weights, deferred: read.weights };
  const selection = await selectVariant(variants, hostHas, options.features, hostRunsUnshared);
  const { variant, index } = selection;
  const threaded = variant.features.includes('threads');
  const wasm = threaded && !selection.shared ? unsharedModule(variant.wasm) : variant.wasm;
  // the engine compiles on its own threads meanwhile this one checks the weights
  const compile = await codeCompiler(options.compile ?? 'optimized');
  const compiling = guard(api, index, () => compile(api, wasm));
  compiling.catch(() => undefined); // awaited below unless the weights are corrupt
  const compiled = async (): Promise<CompiledCode> => {
    const code = await compiling;
    if (!api.Module.exports(code.module).some((e) => e.name === 'run' && e.kind === 'function'))
      throw corrupt(`code variant ${index + 1} exports no run(tid, threads) function`);
    return code;
  };
  const threads = await resolveThreads(wasm, selection, options);
  if (canBlock()) {
    const code = { compiled, index };
    return new LoadedModel(
      metadata,
      selection.features,
      await local(api, code, metadata.memory, selection, weights, threads),
    );
  }
  const executor = await remote(api, compiled, metadata.memory, selection, weights, threads);
  return new LoadedModel(metadata, selection.features, executor);
}

/**
 * A bucketed file: the whole pool read and checked, then each bucket's program loaded as a NEFF of
 * its own when an input first needs it (the smallest now, which tells the host's features).
 */
async function bucketed(read: SourceBytes, section: NeffSection, options: LoadOptions): Promise<Model> {
  let bytes = read.bytes;
  if (read.weights) {
    bytes = read.bytes.slice();
    await read.weights.read(bytes.subarray(section.offset, section.offset + section.length), () => undefined);
  }
  const file = readNeff(bytes).buckets!;
  const loadProgram = (program: Uint8Array): Promise<Model> => load(program, options);
  const first = await loadProgram(writeNeff(bucketContents(file, 0)));
  const model = new BucketedModel(file, loadProgram, first.features, first.threads);
  model.adopt(0, first);
  return model;
}

/**
 * The calling thread runs thread 0; workers (threads > 1) run the others over the same memory. The
 * workers boot, and the weights are copied and checked, while the engine compiles the code.
 */
async function local(
  api: WasmApi,
  code: {
    readonly compiled: () => Promise<CompiledCode>;
    readonly index: number;
  },
  plan: NeffMemory,
  selection: Selection,
  weights: Weights,
  threads: number,
): Promise<Executor> {
  const memory = allocate(api, plan, selection.shared);
  const tids = Array.from({ length: threads - 1 }, (_, i) => i + 1);
  const pages = plan.totalBytes / WASM_PAGE;
  const spawning = tids.length ? WorkerSet.spawn({ threads, memory, tids }) : undefined;
  spawning?.catch(() => undefined);
  try {
    const target = new Uint8Array(memory.buffer, plan.weightsOffset, plan.weightsBytes);
    await placeWeights(weights, target, await memoryBlockHasher(api, memory, selection.shared));
    const { module, optimized } = await code.compiled();
    const instance = await guard(api, code.index, () => api.instantiate(module, { env: { memory } }));
    const workers = await spawning;
    await workers?.init({ module, memory, pages, tids, threads });
    const isTrap = (e: unknown): boolean => e instanceof api.RuntimeError;
    return new LocalExecutor(memory, instance.exports, threads, workers, isTrap, optimized);
  } catch (e) {
    void spawning?.then(
      (w) => w.terminate(),
      () => undefined,
    );
    throw e;
  }
}

/** Every thread is a worker; an unshared memory is the one worker's own. */
async function remote(
  api: WasmApi,
  compiled: () => Promise<CompiledCode>,
  plan: NeffMemory,
  selection: Selection,
  weights: Weights,
  threads: number,
): Promise<Executor> {
  const tids = Array.from({ length: threads }, (_, i) => i);
  const pages = plan.totalBytes / WASM_PAGE;
  if (!selection.shared) {
    const copy = new Uint8Array(plan.weightsBytes);
    await placeWeights(weights, copy);
    const { module, optimized } = await compiled();
    const workers = await WorkerSet.start({
      module,
      pages,
      weights: [plan.weightsOffset, copy],
      tids,
      threads,
    });
    return new RemoteExecutor(workers, threads, undefined, optimized);
  }
  const memory: WasmMemory = allocate(api, plan, true);
  const target = new Uint8Array(memory.buffer, plan.weightsOffset, plan.weightsBytes);
  await placeWeights(weights, target, await memoryBlockHasher(api, memory, true));
  const { module, optimized } = await compiled();
  const workers = await WorkerSet.start({ module, memory, pages, tids, threads });
  return new RemoteExecutor(workers, threads, memory, optimized);
}

/** Puts the weights in `target` (copied, or read from the file) and checks them there. */
async function placeWeights(weights: Weights, target: Uint8Array, hasher?: BlockHasher): Promise<void> {
  const sum = checksummer(weights.section.checksumKind, hasher);
  if (weights.deferred) {
    await weights.deferred.read(target, (chunk) => sum.update(chunk));
  } else {
    target.set(weights.bytes);
    sum.update(target);
  }
  const damaged = damagedWeights(weights.section, sum.digest());
  if (damaged) throw damaged;
}

function allocate(api: WasmApi, plan: NeffMemory, shared: boolean): WasmMemory {
  const pages = plan.totalBytes / WASM_PAGE;
  try {
    return new api.Memory({ initial: pages, maximum: pages, shared });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new NccError(
      'NEFF_UNSUPPORTED_HOST',
      `cannot allocate the model's ${(plan.totalBytes / 2 ** 20).toFixed(1)} MiB of WebAssembly memory`,
      { hint: 'free memory, or run on a host (or browser tab) allowed more memory', cause: e },
    );
  }
}

/** A module that the reader passed but the engine refuses is as corrupt as a bad checksum. */
async function guard<T>(api: WasmApi, index: number, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof api.CompileError || e instanceof api.LinkError || e instanceof api.RuntimeError)
      throw corrupt(`code variant ${index + 1} does not load: ${e.message}`, e);
    throw e;
  }
}

function corrupt(message: string, cause?: unknown): NccError {
  return new NccError('NEFF_CORRUPT', message, {
    hint: 'the code in this NEFF does not match the runtime ABI: compile the model again with this neuron-cc',
    cause,
  });
}

/** Wasm memory is little-endian and typed arrays use the host's order: they must agree. */
function checkLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new NccError(
      'NEFF_UNSUPPORTED_HOST',
      'this host is big-endian; the runtime needs a little-endian one',
      {
        hint: 'run on x86-64, ARM64 or another little-endian machine',
      },
    );
}

function checkOptions(options: LoadOptions): void {
  const { threads, features, compile } = options;
  if (compile !== undefined && compile !== 'optimized' && compile !== 'lazy')
    throw new NccError('NCC_BAD_OPTION', `compile must be 'optimized' or 'lazy', got ${String(compile)}`, {
      hint: "omit it to use the default ('optimized')",
    });
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 1024))
    throw new NccError(
      'NCC_BAD_OPTION',
      `threads must be an integer from 1 to 1024, got ${String(threads)}`,
      {
        hint: 'omit it to use the default',
      },
    );
  for (const f of features ?? [])
    if (!FEATURES.includes(f))
      throw new NccError('NCC_BAD_OPTION', `unknown WebAssembly feature '${String(f)}'`, {
        hint: `features are ${FEATURES.join(', ')}`,
      });
}
