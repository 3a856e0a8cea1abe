/**
 * How many threads a model runs on: what the caller asks, else the host's processors capped at
 * DEFAULT_CAP and at the limit the compiler wrote into the module (tiny models get one thread and
 * so no worker). A host without shared memory runs threads variants on one thread, and says so once.
 */
import { THREADS_SECTION } from './abi.js';
import { processorCount } from './host.js';
import type { Selection } from './select.js';
import type { WasmFeature } from '../neff/contents.js';

/** More threads rarely pay on batch-1 inference, and each one costs a worker and its memory. */
export const DEFAULT_CAP = 8;

let warned = false;

export async function resolveThreads(
  wasm: Uint8Array,
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
  return Math.max(1, Math.min(cores, DEFAULT_CAP, limitOf(wasm)));
}

/**
 * The module's `neuron-cc.threads` section, { "max": n }, read from the bytes (so the workers can
 * start before the module is compiled); no section (or a bad one): no limit.
 */
export function limitOf(wasm: Uint8Array): number {
  const section = customSection(wasm, THREADS_SECTION);
  if (!section) return Infinity;
  try {
    const { max } = JSON.parse(new TextDecoder().decode(section)) as { max?: unknown };
    return typeof max === 'number' && Number.isInteger(max) && max >= 1 ? max : Infinity;
  } catch {
    return Infinity;
  }
}

/** The payload of the first custom section named `name`, or undefined (also for malformed bytes). */
function customSection(wasm: Uint8Array, name: string): Uint8Array | undefined {
  let at = 8; // magic and version
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= wasm.length) return -1;
      const b = wasm[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return value;
    }
    return -1;
  };
  const wanted = new TextEncoder().encode(name);
  while (at < wasm.length) {
    const id = wasm[at++]!;
    const size = leb();
    if (size < 0 || at + size > wasm.length) return undefined;
    const end = at + size;
    if (id === 0) {
      const length = leb();
      if (
        length >= 0 &&
        at + length <= end &&
        length === wanted.length &&
        wanted.every((b, i) => wasm[at + i] === b)
      )
        return wasm.subarray(at + length, end);
    }
    at = end;
  }
  return undefined;
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
