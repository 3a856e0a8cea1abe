/**
 * What a NEFF holds, independent of its byte layout (see format.ts and docs/neff.md). Shared by the
 * compiler (writer) and the runtime (reader): a leaf module with no dependencies.
 */

/** Element types a NEFF's inputs and outputs may have (the IR's dtypes). */
export type NeffDType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

/** WebAssembly features a code variant needs from its host. */
export type WasmFeature = 'simd128' | 'relaxed-simd' | 'threads';

/** A model input or output: where it lives in the module's memory. */
export interface NeffTensor {
  readonly name: string;
  readonly dtype: NeffDType;
  readonly shape: readonly number[];
  /** Byte offset in linear memory (aligned to 16). */
  readonly offset: number;
  readonly byteLength: number;
}

/**
 * Linear memory layout of every variant: [0, weightsOffset) reserved, the weights (copied from the
 * weights section at load), then the activation arena. Offsets are multiples of 64.
 */
export interface NeffMemory {
  readonly weightsOffset: number;
  readonly weightsBytes: number;
  readonly arenaOffset: number;
  readonly arenaBytes: number;
  /** Total bytes the memory must have: arenaOffset + arenaBytes, rounded up to 64 KiB pages. */
  readonly totalBytes: number;
}

/**
 * Run-time checks compiled code cannot settle at compile time (Dropout's training flag arriving as an
 * input): code writes k to the int32 at `offset` when check k fails; the runtime zeroes it before a
 * run and raises `messages[k - 1]` after it.
 */
export interface NeffChecks {
  readonly offset: number;
  readonly messages: readonly string[];
}

/**
 * One kernel of the schedule, in run order: code variants export it as `k<index>(tid, threads)` so a
 * profiler can time kernels one by one. `flops` is the arithmetic of the node's direct algorithm
 * (2 per multiply-add of a Conv/Gemm/MatMul), on the node's first kernel only, 0 elsewhere.
 */
export interface NeffKernel {
  readonly name: string;
  readonly node: string;
  readonly op: string;
  readonly flops: number;
}

export interface NeffMetadata {
  readonly model: { readonly name: string };
  readonly compiler: { readonly name: string; readonly version: string };
  /** The options the NEFF was compiled with, as the user gave them (normalized). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly memory: NeffMemory;
  readonly inputs: readonly NeffTensor[];
  readonly outputs: readonly NeffTensor[];
  readonly checks?: NeffChecks;
  /** The schedule, for profiles (absent in NEFFs written before kernels were exported). */
  readonly kernels?: readonly NeffKernel[];
  /** Compile summary figures (op and kernel counts, bytes), for `inspect`. */
  readonly summary: Readonly<Record<string, number | string>>;
  /** With --accuracy-check: how far the auto-cast model's outputs are from the float32 model's. */
  readonly accuracy?: NeffAccuracy;
}

/** The auto-cast model against the float32 one, on `samples` input sets (worst over the samples). */
export interface NeffAccuracy {
  readonly samples: number;
  /** Where the inputs came from: the user's .npy files, or seeded random data. */
  readonly inputs: 'files' | 'random';
  readonly outputs: readonly NeffOutputAccuracy[];
}

export interface NeffOutputAccuracy {
  readonly name: string;
  readonly maxAbsError: number;
  /** max |cast - fp32| / max |fp32|: relative to the output's scale (element-wise blows up near 0). */
  readonly maxRelError: number;
  /** Cosine similarity of the flattened outputs (1 = same direction). */
  readonly cosine: number;
}

/**
 * A code variant: a complete WebAssembly module for the whole model. ABI: imports `env.memory`
 * (shared when the variant needs threads) and exports `run(tid: i32, threads: i32)`, which runs the
 * whole schedule for thread `tid` of `threads` (and `k<i>` per kernel, see NeffKernel); inputs are written and outputs read at their offsets.
 */
export interface CodeVariant {
  readonly features: readonly WasmFeature[];
  readonly wasm: Uint8Array;
}

export interface NeffContents {
  readonly metadata: NeffMetadata;
  /** Best first: the runtime takes the first whose features the host has. */
  readonly variants: readonly CodeVariant[];
  readonly weights: Uint8Array;
}
