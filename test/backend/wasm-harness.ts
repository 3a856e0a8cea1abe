import v8 from 'node:v8';
import { storageCtor, byteSize, type DType, type TensorData } from '../../src/ir/dtype.js';
import type { Kernel } from '../../src/backend/kernel/ir.js';
import { alignUp, planMemory, type MemoryPlan } from '../../src/backend/schedule/memory-plan.js';
import type { BufferInfo, BufferKind, Program } from '../../src/backend/schedule/program.js';
import { renderWasm } from '../../src/backend/wasm/index.js';
import type { WasmFeature } from '../../src/neff/contents.js';

/**
 * Renders hand-built kernels into a module, instantiates it over a fresh memory and gives typed
 * views of every buffer, so a test writes inputs, calls run and reads outputs.
 */

// Node 20 keeps relaxed SIMD behind a flag; it must be set before any relaxed module compiles
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

export interface BufferSpec {
  readonly dtype: DType;
  readonly elements: number;
  /** 'input' (default for buffers only read), 'output' (default for written ones) or 'weight'. */
  readonly kind?: BufferKind;
}

/** The synchronous WebAssembly API (the project's TypeScript libs declare no WebAssembly global). */
interface Memory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface SyncWasm {
  Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => Memory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
export const wasm = (globalThis as unknown as { WebAssembly: SyncWasm }).WebAssembly;

export interface Built {
  readonly bytes: Uint8Array;
  readonly memory: Memory;
  readonly plan: MemoryPlan;
  view(buffer: string): TensorData;
  run(tid?: number, threads?: number): void;
}

export const RESERVED = 64;

export function program(kernels: readonly Kernel[], buffers: Readonly<Record<string, BufferSpec>>): Program {
  const written = new Set(kernels.flatMap((k) => k.writes));
  const infos = new Map<string, BufferInfo>();
  for (const [name, spec] of Object.entries(buffers)) {
    const kind = spec.kind ?? (written.has(name) ? 'output' : 'input');
    infos.set(name, { name, kind, dtype: spec.dtype, bytes: spec.elements * byteSize(spec.dtype) });
  }
  const io = (kind: BufferKind) =>
    [...infos.values()]
      .filter((b) => b.kind === kind)
      .map((b) => ({ name: b.name, buffer: b.name, dtype: b.dtype, shape: [buffers[b.name]!.elements] }));
  return { name: 'test', kernels, buffers: infos, inputs: io('input'), outputs: io('output') };
}

export function layoutOf(plan: MemoryPlan): {
  weightsOffset: number;
  arenaOffset: number;
  totalBytes: number;
} {
  const weightsOffset = RESERVED;
  const arenaOffset = alignUp(weightsOffset + plan.weightsBytes);
  return {
    weightsOffset,
    arenaOffset,
    totalBytes: Math.max(65536, alignUp(arenaOffset + plan.arenaBytes, 65536)),
  };
}

export function build(
  p: Program,
  features: readonly WasmFeature[] = ['simd128'],
  optimize: 0 | 1 | 2 | 3 = 2,
): Built {
  const plan = planMemory(p);
  const layout = layoutOf(plan);
  const bytes = renderWasm(p, { plan, ...layout }, { features, optimize });
  const pages = layout.totalBytes / 65536;
  const shared = features.includes('threads');
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  const run = instance.exports['run'] as (tid: number, threads: number) => void;
  return {
    bytes,
    memory,
    plan,
    view(buffer) {
      const info = p.buffers.get(buffer)!;
      const w = plan.weights.get(buffer);
      const offset = w
        ? layout.weightsOffset + w.offset
        : layout.arenaOffset + plan.arena.get(buffer)!.offset;
      const Ctor = storageCtor(info.dtype);
      return new Ctor(memory.buffer as ArrayBuffer, offset, info.bytes / Ctor.BYTES_PER_ELEMENT);
    },
    run: (tid = 0, threads = 1) => run(tid, threads),
  };
}

/** Float32 rounding of a double, as stored. */
export const f32 = Math.fround;

/** Distance in float32 ulps (at the reference) between a result and a double-precision reference. */
export function ulpError(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  const w = f32(want);
  if (got === w || got === want) return 0;
  if (!Number.isFinite(w) || !Number.isFinite(got)) return Infinity;
  const e = (new Uint32Array(new Float32Array([w]).buffer)[0]! >>> 23) & 0xff;
  return Math.abs(got - want) / 2 ** (e === 0 ? -149 : e - 150);
}

/** Distance in float64 ulps. */
export function ulpError64(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (got === want) return 0;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Infinity;
  const e = Number((new BigUint64Array(new Float64Array([want]).buffer)[0]! >> 52n) & 0x7ffn);
  return Math.abs(got - want) / 2 ** (e === 0 ? -1074 : e - 1075);
}
