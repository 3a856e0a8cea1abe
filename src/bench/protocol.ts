/**
 * What the bench's parent process asks a child process to do, and what comes back. Every
 * measurement runs in a child so that each starts from a known state: a fresh process for cold start
 * and peak memory, one process per thread count for latency (onnxruntime-web's thread count is fixed
 * per process), and compiles in their own process so the parent never holds a model's memory.
 */

/**
 * neuron-cc-bf16: the same model compiled with --auto-cast matmult (bf16 weights), beside float32;
 * neuron-cc-bf16-all: with --auto-cast all (bf16 activations between kernels too).
 */
export const RUNTIMES = [
  'neuron-cc',
  'neuron-cc-bf16',
  'neuron-cc-bf16-all',
  'onnxruntime-node',
  'onnxruntime-web',
  'tfjs-wasm',
] as const;
export type RuntimeId = (typeof RUNTIMES)[number];
export type NccRuntime = 'neuron-cc' | 'neuron-cc-bf16' | 'neuron-cc-bf16-all';
export type PeerId = Exclude<RuntimeId, NccRuntime>;

export function isNccRuntime(r: RuntimeId): r is NccRuntime {
  return r === 'neuron-cc' || r === 'neuron-cc-bf16' || r === 'neuron-cc-bf16-all';
}

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** Which peers can run a model: ONNX files run on onnxruntime, TF.js graph models on TensorFlow.js. */
export type ModelFormat = 'onnx' | 'tfjs' | 'other';

/** The peers that run models of a format (neuron-cc runs them all). */
export function peersFor(format: ModelFormat): readonly PeerId[] {
  return format === 'onnx' ? ['onnxruntime-node', 'onnxruntime-web'] : format === 'tfjs' ? ['tfjs-wasm'] : [];
}

/** The files of one benchmark model, as the children need them. */
export interface ModelFiles {
  readonly name: string;
  /** The model file (ONNX, or a TF.js model.json) that neuron-cc compiles and the peers load. */
  readonly modelFile: string;
  readonly format: ModelFormat;
  /** The compiled NEFF (written by the compile job). */
  readonly neff: string;
  /** The NEFF compiled with --auto-cast matmult (bf16), for the neuron-cc-bf16 runtime. */
  readonly neffCast: string;
  /** The NEFF compiled with --auto-cast all (bf16), for the neuron-cc-bf16-all runtime. */
  readonly neffCastAll: string;
  /** Input name -> .npy file. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Output name -> reference .npy file; empty: results are checked against the peer's (see checkAll). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly tolerance: Tolerance;
}

/** How long the interleaved measurement goes on: until maxRounds, or budgetMs once minRounds are in. */
export interface RunPlan {
  readonly warmup: number;
  readonly minRounds: number;
  readonly maxRounds: number;
  readonly budgetMs: number;
  /** Rounds of `concurrent` run() calls for the throughput figure; 0: none. */
  readonly throughputRounds: number;
  readonly concurrent: number;
  /** Runs of neuron-cc's layer-by-layer profile; 0: none. */
  readonly profileRuns: number;
}

export interface CompileJob {
  readonly kind: 'compile';
  readonly model: string;
  readonly framework?: string;
  /** The io-config object, or its JSON text or file (as the CLI's --io-config takes it). */
  readonly ioConfig?: string | Readonly<Record<string, unknown>>;
  readonly neffOut: string;
  /** --auto-cast matmult or all, with bf16 (the neuron-cc-bf16 and -bf16-all runtimes' NEFFs). */
  readonly autoCast?: 'matmult' | 'all';
}

export interface InterleavedJob {
  readonly kind: 'interleaved';
  readonly files: ModelFiles;
  readonly threads: number;
  readonly runtimes: readonly RuntimeId[];
  readonly plan: RunPlan;
  /** Also time neuron-cc at one thread in the same rounds, for the thread-scaling ratio. */
  readonly scaling: boolean;
}

export interface ColdJob {
  readonly kind: 'cold';
  readonly files: ModelFiles;
  readonly threads: number;
  readonly runtime: RuntimeId;
  /** Runs after the first, so peak memory is that of a model running, not just loaded. */
  readonly runs: number;
}

export type Job = CompileJob | InterleavedJob | ColdJob;

export interface CompileResult {
  readonly ms: number;
  readonly neffBytes: number;
  readonly kernels: number;
  readonly variants: readonly (readonly string[])[];
  /** Conv/GEMM/MatMul FLOPs from the NEFF's kernel table. */
  readonly flops: number;
  /** The batch the model file declares: 'fixed at 1', 'dynamic' or 'unknown'. */
  readonly batch: string;
}

/** 'figures': compared, but judged by its figures, not a tolerance (auto-cast runs on random weights). */
export type CheckStatus = 'pass' | 'fail' | 'unchecked' | 'figures';

export interface Check {
  readonly status: CheckStatus;
  /** What the outputs were compared with: the reference .npy files or onnxruntime-node's outputs. */
  readonly against: 'reference' | 'onnxruntime-node' | 'tfjs-wasm' | 'nothing';
  readonly maxAbsError: number;
  /** The largest |error| / (atol + rtol * |expected|): pass when at most 1. */
  readonly worstRatio: number;
  /** Worst over the outputs: cosine similarity, and max |error| / max |expected| (auto-cast figures). */
  readonly cosine?: number;
  readonly maxRelError?: number;
  readonly detail?: string;
}

export interface Throughput {
  readonly concurrent: number;
  readonly itemsPerSecond: number;
  /** Every concurrent call returned what the same input gives alone. */
  readonly safe: boolean;
}

export interface RuntimeRun {
  readonly runtime: RuntimeId;
  /** The backend that actually ran: 'wasm (neuron-cc)', 'native CPU', 'wasm'... */
  readonly backend: string;
  /** neuron-cc: the code variant's features; peers: none. */
  readonly features: readonly string[];
  /** Milliseconds of each round's single run, in round order. */
  readonly samples: readonly number[];
  /** Process CPU time over wall time during runs (median): how many cores a run kept busy. */
  readonly cores: number;
  readonly check: Check;
  readonly throughput?: Throughput;
}

export interface LayerEfficiency {
  readonly node: string;
  readonly op: string;
  readonly gflop: number;
  readonly gflops: number;
}

export interface InterleavedResult {
  readonly threads: number;
  readonly runs: readonly RuntimeRun[];
  readonly skipped: readonly { readonly runtime: RuntimeId; readonly reason: string }[];
  /** neuron-cc at one thread, ms per round of the same rounds (scaling jobs only). */
  readonly oneThread?: readonly number[];
  /** Conv/GEMM/MatMul layers of neuron-cc's profile on one thread (profiling jobs only). */
  readonly layers?: readonly LayerEfficiency[];
}

export interface ColdResult {
  readonly runtime: RuntimeId;
  readonly threads: number;
  readonly backend: string;
  /** Importing the runtime's package; not part of the cold start. */
  readonly importMs: number;
  /** File read + load or session creation + first inference. */
  readonly coldMs: number;
  readonly peakRssBytes: number;
}

export interface ResultOf {
  readonly compile: CompileResult;
  readonly interleaved: InterleavedResult;
  readonly cold: ColdResult;
}

/** A child's one message back. */
export type Reply<K extends Job['kind']> =
  | { readonly ok: true; readonly result: ResultOf[K] }
  | { readonly ok: false; readonly error: string; readonly skipped?: boolean };
