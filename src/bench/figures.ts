/**
 * The figures derived from raw samples: latency percentiles, speed-ups, thread scaling and the
 * distance from the wasm minimum. One place, so the console, the doc and the targets agree.
 */
import type { InterleavedResult, PeerId, RuntimeId, RuntimeRun } from './protocol.js';
import type { ModelReport, ThreadReport } from './results.js';
import { geomean, median, medianOfRatios, percentile } from './stats.js';

/** Measured wasm SIMD128 peak with relaxed-SIMD FMA on one core of the bench machine (issue 4). */
export const WASM_FMA_GFLOPS_PER_CORE = 43;

export function runOf(result: InterleavedResult | undefined, runtime: RuntimeId): RuntimeRun | undefined {
  return result?.runs.find((r) => r.runtime === runtime);
}

export function latency(run: RuntimeRun | undefined): { median: number; p90: number } | undefined {
  if (!run || run.samples.length === 0) return undefined;
  return { median: median(run.samples), p90: percentile(run.samples, 90) };
}

/** Peer median / neuron-cc median: above 1, neuron-cc is faster. */
export function speedup(t: ThreadReport, peer: PeerId): number | undefined {
  const ncc = latency(runOf(t.interleaved, 'neuron-cc'));
  const other = latency(runOf(t.interleaved, peer));
  return ncc && other ? other.median / ncc.median : undefined;
}

/** Geometric mean of the speed-up over every (model, thread count) pair that has one. */
export function geomeanSpeedup(
  models: readonly ModelReport[],
  peer: PeerId,
): { value: number; pairs: number } {
  const xs = models.flatMap((m) => m.threads.map((t) => speedup(t, peer))).filter((x) => x !== undefined);
  return { value: geomean(xs), pairs: xs.length };
}

/** neuron-cc at 1 thread over T threads: the median of the ratios of interleaved rounds. */
export function nccScaling(t: ThreadReport): number | undefined {
  const one = t.interleaved?.oneThread;
  const many = runOf(t.interleaved, 'neuron-cc')?.samples;
  return one && many && one.length > 0 ? medianOfRatios(one, many) : undefined;
}

/** A peer's 1-thread median over its T-thread median (separate processes: not interleaved). */
export function peerScaling(m: ModelReport, threads: number, runtime: RuntimeId): number | undefined {
  const one = latency(runOf(m.threads.find((t) => t.threads === 1)?.interleaved, runtime));
  const many = latency(runOf(m.threads.find((t) => t.threads === threads)?.interleaved, runtime));
  return one && many ? one.median / many.median : undefined;
}

/** The fp32 wasm minimum: the model's FLOPs at the FMA peak of T cores. */
export function wasmMinimumMs(gflop: number, threads: number): number {
  return (gflop * 1000) / (WASM_FMA_GFLOPS_PER_CORE * threads);
}

export function coldOf(t: ThreadReport, runtime: RuntimeId) {
  return t.cold.find((c) => c.runtime === runtime);
}
