/**
 * How many threads a model runs on: what the caller asks, else the host's processors capped at
 * DEFAULT_CAP and at the limit the compiler wrote into the module (tiny models get one thread and
 * so no worker). A host without shared memory runs threads variants on one thread, and says so once.
 */
import { THREADS_SECTION } from './abi.js';
import { processorCount } from './host.js';
import type { Selection } from './select.js';
import type { WasmApi, WasmModule } from './wasm-api.js';
import type { WasmFeature } from '../neff/contents.js';

/** More threads rarely pay on batch-1 inference, and each one costs a worker and its memory. */
export const DEFAULT_CAP = 8;

let warned = false;

export async function resolveThreads(
  api: WasmApi,
  module: WasmModule,
  selection: Selection,
  options: { readonly threads?: number; readonly features?: readonly WasmFeature[] },
): Promise<number> {
  if (!selection.shared) {
    const wanted = !options.features || options.features.includes('threads');
    if (selection.variant.features.includes('threads') && wanted && options.threads !== 1) warnOnce();
    return 1;
  }
  if (options.threads !== undefined) return options.threads;
  const cores = await processorCount();
  return Math.max(1, Math.min(cores, DEFAULT_CAP, limitOf(api, module)));
}

/** The module's `neuron-cc.threads` section, { "max": n }; no section (or a bad one): no limit. */
export function limitOf(api: WasmApi, module: WasmModule): number {
  const [section] = api.Module.customSections(module, THREADS_SECTION);
  if (!section) return Infinity;
  try {
    const { max } = JSON.parse(new TextDecoder().decode(section)) as { max?: unknown };
    return typeof max === 'number' && Number.isInteger(max) && max >= 1 ? max : Infinity;
  } catch {
    return Infinity;
  }
}

function warnOnce(): void {
  if (warned) return;
  warned = true;
  console.warn(
    'neuron-cc: SharedArrayBuffer is not available, so models run on one thread (in one worker). ' +
      "Serve the page with 'Cross-Origin-Opener-Policy: same-origin' and " +
      "'Cross-Origin-Embedder-Policy: require-corp' to run on several.",
  );
}
