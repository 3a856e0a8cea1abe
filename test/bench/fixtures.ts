import type { ColdResult, RuntimeId, RuntimeRun } from '../../src/bench/protocol.js';
import type { ThreadReport } from '../../src/bench/results.js';

/** One runtime's interleaved samples; its output check passes unless `extra` says otherwise. */
export function run(runtime: RuntimeId, samples: number[], extra: Partial<RuntimeRun> = {}): RuntimeRun {
  return {
    runtime,
    backend: 'b',
    features: runtime === 'neuron-cc' ? ['simd128', 'relaxed-simd'] : [],
    samples,
    cores: 1,
    check: { status: 'pass', against: 'reference', maxAbsError: 0, worstRatio: 0.25 },
    ...extra,
  };
}

/** A thread count's report: its interleaved runs and cold starts. */
export function threadReport(threads: number, runs: RuntimeRun[], cold: ColdResult[] = []): ThreadReport {
  return { threads, interleaved: { threads, skipped: [], runs }, cold };
}
