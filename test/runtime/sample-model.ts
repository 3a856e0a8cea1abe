/**
 * A hand-written model for the runtime tests, built as a real NEFF: y = x * w + 1 over float32 with
 * SIMD (w in the weights), ids_out = ids (int64 passthrough), and variant = the id of the code
 * variant that ran, so a test sees which one the runtime chose.
 */
import binaryen from 'binaryen';
import type { NeffContents, NeffMetadata, WasmFeature } from '../../src/neff/contents.js';
import { writeNeff } from '../../src/neff/writer.js';

export const W = Float32Array.from([0.5, 2, -1, 3, 0, 1.5, -2, 4]);

const MEMORY = { weightsOffset: 64, weightsBytes: 32, arenaOffset: 128, arenaBytes: 144, totalBytes: 65536 };
const AT = { w: 64, x: 128, ids: 160, y: 192, idsOut: 224, variant: 256 };

export const METADATA: NeffMetadata = {
  model: { name: 'axpb' },
  compiler: { name: 'neuron-cc', version: 'test' },
  options: {},
  memory: MEMORY,
  inputs: [
    { name: 'x', dtype: 'float32', shape: [2, 4], offset: AT.x, byteLength: 32 },
    { name: 'ids', dtype: 'int64', shape: [3], offset: AT.ids, byteLength: 24 },
  ],
  outputs: [
    { name: 'y', dtype: 'float32', shape: [2, 4], offset: AT.y, byteLength: 32 },
    { name: 'ids_out', dtype: 'int64', shape: [3], offset: AT.idsOut, byteLength: 24 },
    { name: 'variant', dtype: 'int32', shape: [], offset: AT.variant, byteLength: 4 },
  ],
  summary: { ops: 2 },
};

/** What a variant computes y with, or a whole module text for ABI tests. */
export type Body = 'simd128' | 'relaxed-simd' | { wat: string };

export interface VariantSpec {
  readonly features: readonly WasmFeature[];
  readonly body: Body;
  readonly id: number;
}

function memoryImport(shared: boolean): string {
  return `(import "env" "memory" (memory 1 1${shared ? ' shared' : ''}))`;
}

export function modelWat(body: 'simd128' | 'relaxed-simd', shared: boolean, id: number): string {
  const x = `(v128.load offset=${AT.x} (local.get $i))`;
  const w = `(v128.load offset=${AT.w} (local.get $i))`;
  const one = '(f32x4.splat (f32.const 1))';
  const y =
    body === 'relaxed-simd'
      ? `(f32x4.relaxed_madd ${x} ${w} ${one})`
      : `(f32x4.add (f32x4.mul ${x} ${w}) ${one})`;
  const copy = (k: number): string =>
    `(i64.store offset=${AT.idsOut + 8 * k} (i32.const 0) (i64.load offset=${AT.ids + 8 * k} (i32.const 0)))`;
  return `(module
  ${memoryImport(shared)}
  (func (export "run") (param $tid i32) (param $n i32)
    (local $i i32)
    (loop $l
      (v128.store offset=${AT.y} (local.get $i) ${y})
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 32))))
    ${copy(0)} ${copy(1)} ${copy(2)}
    (i32.store offset=${AT.variant} (i32.const 0) (i32.const ${id}))))`;
}

/** Module text with the model's memory import, for modules that break the ABI on purpose. */
export function abiWat(inner: string, shared = false): string {
  return `(module ${memoryImport(shared)} ${inner})`;
}

export function wasmOf(wat: string): Uint8Array {
  const module = binaryen.parseText(wat);
  try {
    module.setFeatures(binaryen.Features.All);
    if (!module.validate()) throw new Error(`invalid test module:\n${wat}`);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

export function sampleContents(variants: readonly VariantSpec[]): NeffContents {
  return {
    metadata: METADATA,
    variants: variants.map((v) => ({
      features: v.features,
      wasm: wasmOf(
        typeof v.body === 'object' ? v.body.wat : modelWat(v.body, v.features.includes('threads'), v.id),
      ),
    })),
    weights: new Uint8Array(W.buffer.slice(0)),
  };
}

export function sampleNeff(variants: readonly VariantSpec[]): Uint8Array {
  return writeNeff(sampleContents(variants));
}

export const RELAXED: VariantSpec = { features: ['simd128', 'relaxed-simd'], body: 'relaxed-simd', id: 2 };
export const SIMD: VariantSpec = { features: ['simd128'], body: 'simd128', id: 1 };
export const THREADED: VariantSpec = { features: ['simd128', 'threads'], body: 'simd128', id: 3 };
export const THREADED_RELAXED: VariantSpec = {
  features: ['simd128', 'relaxed-simd', 'threads'],
  body: 'relaxed-simd',
  id: 4,
};

export function sampleFeeds(): { x: Float32Array; ids: BigInt64Array } {
  return {
    x: Float32Array.from([1, 2, 3, 4, -1, -2, 0.25, 8]),
    ids: BigInt64Array.from([0n, -1n, 2n ** 62n + 7n]),
  };
}

export function expectedY(x: Float32Array): number[] {
  return Array.from(x, (v, i) => Math.fround(v * W[i]! + 1));
}
