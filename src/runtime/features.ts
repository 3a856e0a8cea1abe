/**
 * Which WebAssembly features this host has. SIMD is probed by validating the smallest module that
 * uses it (an engine that lacks an instruction refuses the module); threads need SharedArrayBuffer,
 * which browsers only expose to cross-origin-isolated pages (COOP + COEP headers).
 */
import type { WasmFeature } from '../neff/contents.js';
import { importNodeBuiltin, isNode } from './host.js';
import { wasmApi } from './wasm-api.js';

/** Answers whether the host has a feature; load() takes one to simulate other hosts in tests. */
export type FeatureProbe = (feature: WasmFeature) => Promise<boolean>;

// (func (result v128) (i8x16.splat (i32.const 0)))
const SIMD128_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11,
];
// (func (result v128) (f32x4.relaxed_madd (i8x16.splat (i32.const 0)) ×3))
const RELAXED_SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0,
  253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
];

// (memory 1 1) (func (result i32) (i32.atomic.load (i32.const 0))): atomics on an unshared memory
const UNSHARED_ATOMICS_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 5, 4, 1, 1, 1, 1, 10, 10, 1, 8, 0, 65, 0,
  254, 16, 2, 0, 11,
];

const detected = new Map<WasmFeature, Promise<boolean>>();

/**
 * Whether a threads module can run on one thread over an unshared memory (its memory import made
 * unshared, see unshare.ts): the engine must accept atomic instructions on unshared memory, which
 * every engine with SIMD does. How hosts without SharedArrayBuffer still run threads variants.
 */
export function hostRunsUnshared(): boolean {
  return validates(UNSHARED_ATOMICS_PROBE);
}

/** The host's answer, computed once per feature and only when a variant asks for it. */
export const hostHas: FeatureProbe = (feature) => {
  let answer = detected.get(feature);
  if (!answer) {
    answer = detect(feature);
    detected.set(feature, answer);
  }
  return answer;
};

async function detect(feature: WasmFeature): Promise<boolean> {
  switch (feature) {
    case 'simd128':
      return validates(SIMD128_PROBE);
    case 'relaxed-simd':
      if (validates(RELAXED_SIMD_PROBE)) return true;
      // Node 20's V8 ships relaxed SIMD behind a flag; the flag applies to modules compiled after it
      // is set, so users need no command-line option.
      if (!isNode()) return false;
      try {
        (await importNodeBuiltin<NodeV8>('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
      } catch {
        return false; // a Node-compatible host without V8 flags (e.g. Bun): it has no relaxed SIMD then
      }
      return validates(RELAXED_SIMD_PROBE);
    case 'threads':
      return (
        typeof SharedArrayBuffer === 'function' &&
        (isNode() || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true)
      );
  }
}

interface NodeV8 {
  setFlagsFromString(flags: string): void;
}

function validates(bytes: readonly number[]): boolean {
  return wasmApi().validate(new Uint8Array(bytes));
}

/** Why a feature may be missing, for the error that names it. */
export const FEATURE_ADVICE: Readonly<Record<WasmFeature, string>> = {
  simd128: 'WebAssembly SIMD needs Node.js 16.4+, Chrome/Edge 91+, Firefox 89+ or Safari 16.4+',
  'relaxed-simd': 'relaxed SIMD needs Node.js 20+ or Chrome/Edge 114+ (not yet every browser)',
  threads:
    'threads need SharedArrayBuffer: in a browser, serve the page with the headers ' +
    "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'",
};
