import type { Model } from '../ir/graph.js';
import { NccError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CodeVariant, NeffKernel, NeffMetadata, NeffTensor, WasmFeature } from '../neff/contents.js';
import { nodeFlops } from '../ops/flops.js';
import { optimizeGraph } from '../passes/pipeline.js';
import { tileTuner, type TunedShape } from '../backend/tune/tile-tuner.js';
import { autoCastGraph } from '../passes/auto-cast.js';
import { describeAutoCast, NO_AUTO_CAST, type AutoCast } from '../options/auto-cast.js';
import { writeNeff } from '../neff/writer.js';
import { lowerGraph } from '../backend/schedule/lower-graph.js';
import { planMemory, type MemoryPlan } from '../backend/schedule/memory-plan.js';
import type { Program } from '../backend/schedule/program.js';
import { renderWasm } from '../backend/wasm/index.js';
import { weightsImage } from '../backend/schedule/weights-image.js';
import { memoryLayout, type MemoryLayout } from '../backend/schedule/memory-layout.js';
export { memoryLayout, type MemoryLayout } from '../backend/schedule/memory-layout.js';
import type { IoConfig } from '../options/io-config.js';
import { loadStaticModel, type Framework, type LoadOptions } from './load-model.js';

export type OptLevel = 0 | 1 | 2 | 3;

export interface CompileOptions {
  readonly framework?: Framework;
  /** TensorFlow SavedModels: which signature (default serving_default) of the meta graph with these tags (default serve). */
  readonly signature?: string;
  readonly tags?: readonly string[];
  /** MXNet: the checkpoint's .params file, or its epoch. */
  readonly params?: string;
  readonly epoch?: number;
  readonly ioConfig?: IoConfig;
  /** -O level: 0 no optimization, 2 the default. */
  readonly optLevel?: OptLevel;
  /** Which float32 data is stored in a 16-bit type (default: none). */
  readonly autoCast?: AutoCast;
  /** Time candidate GEMM tiles on this machine instead of trusting the cost model (--tune). */
  readonly tune?: boolean;
  /** Called as each stage starts, for progress reporting. */
  readonly onStage?: (stage: Stage) => void;
}

export type Stage = 'import' | 'optimize' | 'lower' | 'plan' | 'codegen' | 'pack';

export interface CompileSummary {
  readonly model: string;
  readonly ops: number;
  readonly kernels: number;
  readonly weightBytes: number;
  readonly arenaBytes: number;
  readonly neffBytes: number;
  readonly variants: readonly (readonly WasmFeature[])[];
  readonly stageMs: Readonly<Record<Stage, number>>;
  /** With --tune: every GEMM shape timed, the tile taken and the cost model's. */
  readonly tuned?: readonly TunedShape[];
  /** With --auto-cast: the setting, how many constants are stored in 16 bits, and which stayed float32. */
  readonly autoCast?: {
    readonly setting: string;
    readonly constants: number;
    /** Activations stored in 16 bits ('all'). */
    readonly activations: number;
    readonly kept: readonly { readonly name: string; readonly why: string }[];
  };
}

export interface CompileResult {
  readonly neff: Uint8Array;
  readonly summary: CompileSummary;
  /** Where each weight lies in the weights image (bucketed files share equal ones). */
  readonly weightChunks: readonly { readonly offset: number; readonly bytes: number }[];
}

/**
 * Code variants, best first: the runtime takes the first its host supports. Both are threads
 * modules: a host without shared memory runs them on one thread over an unshared memory (the import's
 * shared bit cleared, docs/neff.md), so no separate single-thread variant is rendered.
 */
const VARIANTS: readonly (readonly WasmFeature[])[] = [
  ['simd128', 'relaxed-simd', 'threads'],
  ['simd128', 'threads'],
];

/** What of the compile options says which model to read and how (the loader's options). */
export function sourceOptions(options: CompileOptions): LoadOptions {
  return {
    ...(options.framework ? { framework: options.framework } : {}),
    ...(options.ioConfig ? { ioConfig: options.ioConfig } : {}),
    ...(options.signature ? { signature: options.signature } : {}),
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.params ? { params: options.params } : {}),
    ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
  };
}

/** The whole pipeline: model file -> static graph -> kernels -> memory plan -> wasm -> NEFF bytes. */
export function compileModel(path: string, options: CompileOptions = {}): CompileResult {
  const clock = stageClock(options.onStage);
  const model = clock.timed('import', () => loadStaticModel(path, sourceOptions(options)));
  return compileStaticModel(model, options, clock);
}

/** The back half: a model whose graph has static shapes (loadStaticModel's result) to NEFF bytes. */
export function compileStaticModel(
  model: Model,
  options: CompileOptions = {},
  clock = stageClock(options.onStage),
): CompileResult {
  const optLevel = options.optLevel ?? 2;
  if (![0, 1, 2, 3].includes(optLevel)) {
    throw new NccError('NCC_BAD_OPTION', `-O${optLevel} is not a level`, {
      hint: 'use -O0, -O1, -O2 or -O3',
    });
  }
  const autoCast = options.autoCast ?? NO_AUTO_CAST;
  const cast = clock.timed('optimize', () =>
    autoCastGraph(optimizeGraph(model.graph, { optLevel }), autoCast),
  );
  const { graph } = cast;
  const tuner = options.tune ? tileTuner(VARIANTS[0]!) : undefined;
  const half = new Map([...cast.storage, ...cast.activations]);
  const program = clock.timed('lower', () => lowerGraph(graph, model.name, half, tuner?.choose));
  const plan = clock.timed('plan', () => planMemory(program));
  const layout = memoryLayout(plan);
  const variants: CodeVariant[] = clock.timed('codegen', () =>
    VARIANTS.map((features) => ({
      features,
      wasm: renderWasm(program, { plan, ...layout }, { features, optimize: optLevel }),
    })),
  );
  const neff = clock.timed('pack', () =>
    writeNeff({
      metadata: metadata({ ...model, graph }, program, plan, layout, { ...options, autoCast }, optLevel),
      variants,
      weights: weightsImage(program, plan),
    }),
  );
  return {
    neff,
    weightChunks: [...plan.weights.values()].map((p) => ({ offset: p.offset, bytes: p.bytes })),
    summary: {
      model: model.name,
      ops: model.graph.nodes.length,
      kernels: program.kernels.length,
      weightBytes: plan.weightsBytes,
      arenaBytes: plan.arenaBytes,
      neffBytes: neff.byteLength,
      variants: VARIANTS,
      stageMs: { ...clock.ms },
      ...(autoCast.mode !== 'none'
        ? {
            autoCast: {
              setting: describeAutoCast(autoCast),
              constants: cast.storage.size,
              activations: cast.activations.size,
              kept: cast.kept,
            },
          }
        : {}),
      ...(tuner ? { tuned: tuner.tuned() } : {}),
    },
  };
}

interface StageClock {
  readonly ms: Record<Stage, number>;
  timed<T>(stage: Stage, f: () => T): T;
}

function stageClock(onStage?: (stage: Stage) => void): StageClock {
  const ms: Record<Stage, number> = { import: 0, optimize: 0, lower: 0, plan: 0, codegen: 0, pack: 0 };
  return {
    ms,
    timed(stage, f) {
      onStage?.(stage);
      const start = performance.now();
      try {
        return f();
      } finally {
        ms[stage] = performance.now() - start;
      }
    },
  };
}

function metadata(
  model: Model,
  program: Program,
  plan: MemoryPlan,
  layout: MemoryLayout,
  options: CompileOptions,
  optLevel: OptLevel,
): NeffMetadata {
  const place = (buffer: string): number => {
    const w = plan.weights.get(buffer);
    if (w) return layout.weightsOffset + w.offset;
    const a = plan.arena.get(buffer);
    if (!a) throw new NccError('NCC_INTERNAL', `I/O buffer ${buffer} has no placement`);
    return layout.arenaOffset + a.offset;
  };
  const io = (list: Program['inputs']): NeffTensor[] =>
    list.map((v) => ({
      name: v.name,
      dtype: v.dtype,
      shape: [...v.shape],
      offset: place(v.buffer),
      byteLength: program.buffers.get(v.buffer)!.bytes,
    }));
  return {
    model: { name: model.name },
    compiler: { name: 'neuron-cc', version: VERSION },
    options: {
      framework: model.source.format,
      optLevel,
      ...(options.ioConfig ? { ioConfig: ioConfigJson(options.ioConfig) } : {}),
      ...(options.tune ? { tune: true } : {}),
      ...(options.autoCast && options.autoCast.mode !== 'none'
        ? { autoCast: options.autoCast.mode, autoCastType: options.autoCast.type }
        : {}),
    },
    memory: {
      weightsOffset: layout.weightsOffset,
      weightsBytes: plan.weightsBytes,
      arenaOffset: layout.arenaOffset,
      arenaBytes: plan.arenaBytes,
      totalBytes: layout.totalBytes,
    },
    inputs: io(program.inputs),
    outputs: io(program.outputs),
    ...(program.checks
      ? { checks: { offset: place(program.checks.buffer), messages: program.checks.messages } }
      : {}),
    kernels: kernelTable(model, program),
    summary: { ops: model.graph.nodes.length, kernels: program.kernels.length },
  };
}

/** The schedule for profiles: each node's FLOPs go to its first kernel. */
function kernelTable(model: Model, program: Program): NeffKernel[] {
  const nodes = new Map(model.graph.nodes.map((n) => [n.name, n]));
  const counted = new Set<string>();
  return program.kernels.map((k) => {
    const node = nodes.get(k.node);
    const first = !counted.has(k.node);
    counted.add(k.node);
    return {
      name: k.name,
      node: k.node,
      op: node?.op ?? '',
      flops: node && first ? nodeFlops(model.graph, node) : 0,
    };
  });
}

function ioConfigJson(io: IoConfig): Record<string, unknown> {
  return {
    inputs: Object.fromEntries([...io.inputs].map(([k, v]) => [k, [v.shape, v.dtype ?? null]])),
    dims: Object.fromEntries(io.dims),
    ...(io.outputs ? { outputs: io.outputs } : {}),
    ...(io.ranges ? { ranges: Object.fromEntries(io.ranges) } : {}),
  };
}
