/**
 * load(): read and validate a NEFF, pick the best code variant the host runs, give it its memory
 * (weights copied in at their offset) and instantiate it. Everything that can fail here fails with a
 * coded error before run() is ever called.
 */
import type { CodeVariant, NeffMemory, WasmFeature } from '../neff/contents.js';
import { FEATURES, WASM_PAGE } from '../neff/format.js';
import { readNeff } from '../neff/reader.js';
import { NccError } from '../errors.js';
import { hostHas } from './features.js';
import { LoadedModel, type Model } from './model.js';
import { selectVariant } from './select.js';
import { readSource, type NeffSource } from './source.js';
import { wasmApi, type WasmApi, type WasmMemory } from './wasm-api.js';

export interface LoadOptions {
  /**
   * Threads to run on. Validated and kept; every run uses one thread until the worker pool lands
   * (the code's ABI already takes the thread index and count).
   */
  readonly threads?: number;
  /**
   * Use only these WebAssembly features (default: whatever the host has). Pins a fallback variant,
   * e.g. ['simd128'] for results that do not depend on whether the host fuses multiply-adds.
   */
  readonly features?: readonly WasmFeature[];
}

export async function load(source: NeffSource, options: LoadOptions = {}): Promise<Model> {
  checkOptions(options);
  const { bytes, file } = await readSource(source);
  try {
    return await instantiate(bytes, options);
  } catch (e) {
    if (e instanceof NccError && file !== undefined && e.subject.file === undefined)
      throw new NccError(e.code, e.message, { ...e.subject, file, hint: e.hint, cause: e });
    throw e;
  }
}

async function instantiate(bytes: Uint8Array, options: LoadOptions): Promise<Model> {
  const api = wasmApi();
  checkLittleEndian();
  const { metadata, variants, weights } = readNeff(bytes).contents;
  const { variant, index } = await selectVariant(variants, hostHas, options.features);
  const module = await guard(api, index, () => api.compile(variant.wasm));
  const memory = allocate(api, metadata.memory, variant);
  new Uint8Array(memory.buffer).set(weights, metadata.memory.weightsOffset);
  const instance = await guard(api, index, () => api.instantiate(module, { env: { memory } }));
  const run = instance.exports.run;
  if (typeof run !== 'function')
    throw corrupt(`code variant ${index + 1} exports no run(tid, threads) function`);
  const isTrap = (e: unknown): boolean => e instanceof api.RuntimeError;
  return new LoadedModel(metadata, variant.features, memory, instance.exports, isTrap);
}

function allocate(api: WasmApi, plan: NeffMemory, variant: CodeVariant): WasmMemory {
  const pages = plan.totalBytes / WASM_PAGE;
  try {
    return new api.Memory({ initial: pages, maximum: pages, shared: variant.features.includes('threads') });
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
  const { threads, features } = options;
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
