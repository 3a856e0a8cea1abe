/**
 * Per-layer efficiency from neuron-cc's one-thread profile: each conv/GEMM/MatMul layer's FLOPs (the
 * direct algorithm's count, from the NEFF's kernel table, whatever algorithm runs) over its time.
 */
import type { LayerEfficiency } from './protocol.js';
import type { KernelTime } from './runtimes.js';

export function layerEfficiency(kernels: readonly KernelTime[]): LayerEfficiency[] {
  const byNode = new Map<string, { op: string; flops: number; ms: number }>();
  for (const k of kernels) {
    const layer = byNode.get(k.node) ?? { op: k.op, flops: 0, ms: 0 };
    layer.flops += k.flops;
    layer.ms += k.ms;
    byNode.set(k.node, layer);
  }
  return [...byNode]
    .filter(([, l]) => l.flops > 0)
    .map(([node, l]) => ({
      node,
      op: l.op,
      gflop: l.flops / 1e9,
      gflops: l.ms > 0 ? l.flops / l.ms / 1e6 : Infinity,
    }));
}

export interface EfficiencySummary {
  /** Layers of at least minGflop. */
  readonly layers: number;
  /** Of those, layers at or above the bar. */
  readonly atBar: number;
  /** Total GFLOP of those layers over their total time. */
  readonly overallGflops: number;
  /** The slowest few, slowest first. */
  readonly slowest: readonly LayerEfficiency[];
  /** GFLOP of every profiled layer: below the model's GFLOP when some kernels carry no FLOP count. */
  readonly profiledGflop: number;
}

export function summarizeEfficiency(
  layers: readonly LayerEfficiency[],
  minGflop: number,
  barGflops: number,
): EfficiencySummary {
  const big = layers.filter((l) => l.gflop >= minGflop);
  const gflop = big.reduce((a, l) => a + l.gflop, 0);
  const seconds = big.reduce((a, l) => a + l.gflop / l.gflops, 0);
  return {
    layers: big.length,
    atBar: big.filter((l) => l.gflops >= barGflops).length,
    overallGflops: seconds > 0 ? gflop / seconds : NaN,
    slowest: [...big].sort((a, b) => a.gflops - b.gflops).slice(0, 3),
    profiledGflop: layers.reduce((a, l) => a + l.gflop, 0),
  };
}
