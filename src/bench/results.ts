/** What a bench run produces: per model, per thread count, the children's results as they came. */
import type { ColdResult, CompileResult, InterleavedResult, RuntimeId } from './protocol.js';

export interface ThreadReport {
  readonly threads: number;
  readonly interleaved?: InterleavedResult;
  readonly cold: readonly ColdResult[];
}

export interface ModelReport {
  readonly name: string;
  /** Conv/GEMM/MatMul GFLOP of one inference (the suite's models.json, else the NEFF's kernel table). */
  readonly gflop: number;
  readonly compile?: CompileResult;
  /** The same model compiled with --auto-cast matmult (bf16). */
  readonly compileCast?: CompileResult;
  /** --auto-cast all (bf16). */
  readonly compileCastAll?: CompileResult;
  readonly threads: readonly ThreadReport[];
  /** Jobs that failed, and peers that were skipped, in words. */
  readonly problems: readonly string[];
}

export interface SkippedModel {
  readonly name: string;
  readonly reason: string;
  /** The command that makes it. */
  readonly command: string;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly os: string;
  /** 1-minute load average before the bench started: other work on the machine skews figures. */
  readonly loadBefore: number;
}

export interface SuiteReport {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly versions: Readonly<Record<string, string>>;
  readonly runtimes: readonly RuntimeId[];
  readonly models: readonly ModelReport[];
  readonly skipped: readonly SkippedModel[];
  readonly minutes: number;
}
