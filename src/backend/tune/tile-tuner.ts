/**
 * --tune: GEMM register tiles chosen by timing, on the build machine, each candidate tile of each
 * distinct GEMM of the model, instead of by the cost model. A candidate is timed as the layer runs:
 * the node being lowered is lowered alone with that tile (its packing, transforms and epilogue
 * included), rendered with the best code variant's features and run on one thread over random data
 * (timing a bare GEMM misled: 6x8 tiles timed up to 66% faster alone and ran 30% slower in
 * resnet18's layers). The fastest wins unless it beats the cost model's choice by less than the
 * timing noise allows. Results are cached per GEMM shape and op for the compile.
 * NEFFs compiled with --tune depend on the machine's timings, so they are not byte-for-byte
 * reproducible as other compiles are.
 */
import v8 from 'node:v8';
import type { Graph, ValueInfo } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { HalfType } from '../../options/auto-cast.js';
import {
  costModelTile,
  tileCandidates,
  type GemmShape,
  type Tile,
  type TileChooser,
  type TileSite,
} from '../lower/linalg/gemm-tile.js';
import { lowerGraph } from '../schedule/lower-graph.js';
import { weightsImage } from '../schedule/weights-image.js';
import { planMemory } from '../schedule/memory-plan.js';
import { memoryLayout } from '../schedule/memory-layout.js';
import { renderWasm } from '../wasm/index.js';
import type { WasmFeature } from '../../neff/contents.js';

/** A tuned choice, for the compile summary. */
export interface TunedShape {
  readonly shape: GemmShape;
  readonly tile: Tile;
  readonly model: Tile;
  /** Median ms of the chosen tile and of the cost model's. */
  readonly ms: number;
  readonly modelMs: number;
}

/** Below this gain over the cost model's tile the model's choice stays (timings jitter ~2%). */
const MIN_GAIN = 0.03;
/** Each candidate runs until this much time or RUNS runs, whichever comes first. */
const BUDGET_MS = 40;
const RUNS = 15;
const PAGE = 65536;

/** The synchronous WebAssembly API of Node (the project's TypeScript libs declare no WebAssembly global). */
interface SyncWasm {
  Memory: new (d: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: SyncWasm }).WebAssembly;

export interface TileTuner {
  readonly choose: TileChooser;
  /** Every shape tuned so far. */
  readonly tuned: () => readonly TunedShape[];
}

export function tileTuner(features: readonly WasmFeature[]): TileTuner {
  if (features.includes('relaxed-simd')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const cache = new Map<string, TunedShape>();
  const choose: TileChooser = (shape, site) => {
    if (!site) return costModelTile(shape);
    const key = `${site.node.domain}::${site.node.op}:${shape.packed}:${shape.m}x${shape.n}x${shape.k}`;
    let t = cache.get(key);
    if (!t) {
      t = tune(shape, site, features);
      cache.set(key, t);
    }
    return t.tile;
  };
  return { choose, tuned: () => [...cache.values()] };
}

function tune(shape: GemmShape, site: TileSite, features: readonly WasmFeature[]): TunedShape {
  const model = costModelTile(shape);
  const others = tileCandidates().filter((t) => t.mr !== model.mr || t.nr !== model.nr);
  const modelMs = timeSite(site, shape, model, features);
  let best = { tile: model, ms: modelMs };
  for (const tile of others) {
    const ms = timeSite(site, shape, tile, features);
    if (ms < best.ms) best = { tile, ms };
  }
  if (best.ms > modelMs * (1 - MIN_GAIN)) best = { tile: model, ms: modelMs };
  return { shape, tile: best.tile, model, ms: best.ms, modelMs };
}

/** Median ms of the site's node lowered alone, its GEMMs of `shape` tiled by `tile`. */
export function timeSite(
  site: TileSite,
  shape: GemmShape,
  tile: Tile,
  features: readonly WasmFeature[],
): number {
  const same = (s: GemmShape): boolean =>
    s.m === shape.m && s.n === shape.n && s.k === shape.k && s.packed === shape.packed;
  const forced: TileChooser = (s) => (same(s) ? tile : costModelTile(s));
  const { graph, half } = nodeGraph(site);
  const program = lowerGraph(graph, 'tune', half, forced);
  const plan = planMemory(program);
  const { weightsOffset, arenaOffset, totalBytes } = memoryLayout(plan);
  const single = features.filter((f) => f !== 'threads');
  const bytes = renderWasm(
    program,
    { plan, weightsOffset, arenaOffset, totalBytes },
    { features: single, optimize: 2 },
  );
  const memory = new wasm.Memory({ initial: totalBytes / PAGE, maximum: totalBytes / PAGE });
  new Uint8Array(memory.buffer).set(weightsImage(program, plan), weightsOffset);
  // small normal values in the float inputs: no subnormal products, no overflow
  for (const input of program.inputs) {
    if (input.dtype !== 'float32') continue;
    const info = program.buffers.get(input.buffer)!;
    const view = new Float32Array(
      memory.buffer,
      arenaOffset + plan.arena.get(input.buffer)!.offset,
      info.bytes / 4,
    );
    for (let i = 0; i < view.length; i++) view[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  }
  const instance = new wasm.Instance(optimizedModule(bytes), { env: { memory } });
  const run = instance.exports['run'] as (tid: number, threads: number) => void;
  run(0, 1);
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < RUNS && (samples.length < 3 || performance.now() - start < BUDGET_MS)) {
    // in a model a layer's weights come from memory (other layers' data evicted them): so here
    evictCaches();
    const t = performance.now();
    run(0, 1);
    samples.push(performance.now() - t);
  }
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1]!;
}

/** Bigger than this machine's caches (L2 plus its share of L3). */
const EVICT_FLOATS = 8 * 2 ** 20;
let evict: Float32Array | undefined;

/** Touches one float per cache line of a buffer bigger than the caches (made on first use). */
function evictCaches(): void {
  evict ??= new Float32Array(EVICT_FLOATS);
  for (let i = 0; i < evict.length; i += 16) evict[i]! += 1;
}

/** The node alone as a graph: its constants as initializers (16-bit ones marked), the rest inputs. */
function nodeGraph(site: TileSite): { graph: Graph; half: Map<string, HalfType> } {
  const inputs: ValueInfo[] = [];
  const initializers = new Map<string, Tensor>();
  const half = new Map<string, HalfType>();
  site.node.inputs.forEach((name, i) => {
    const v = site.inputs[i];
    if (!v || name === '' || initializers.has(name) || inputs.some((x) => x.name === name)) return;
    if (v.constant) {
      initializers.set(name, v.constant);
      if (v.half) half.set(name, v.half);
    } else inputs.push({ name, type: { dtype: v.dtype, shape: [...v.shape] } });
  });
  const outputs: ValueInfo[] = [];
  site.node.outputs.forEach((name, i) => {
    const v = site.outputs[i];
    if (v && name !== '') outputs.push({ name, type: { dtype: v.dtype, shape: [...v.shape] } });
  });
  const graph: Graph = {
    name: 'tune',
    inputs,
    outputs,
    initializers,
    nodes: [site.node],
    valueTypes: new Map(outputs.map((o) => [o.name, o.type])),
  };
  return { graph, half };
}

/**
 * The module compiled by V8's optimizing compiler up front: lazily compiled code would time the
 * baseline compiler's first runs (the runtime loads NEFFs the same way, runtime/compile-code.ts).
 */
function optimizedModule(bytes: Uint8Array): object {
  v8.setFlagsFromString('--no-liftoff');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return new wasm.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff');
    v8.setFlagsFromString('--wasm-lazy-compilation');
  }
}
