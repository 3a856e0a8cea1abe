/**
 * The bench's tables, as header + rows: the console prints them per model as the run goes, the
 * Markdown writer prints them over all models. Columns name runtimes as ncc (neuron-cc), node
 * (onnxruntime-node) and web (onnxruntime-web).
 */
import { castTable } from './auto-cast.js';
import {
  coldOf,
  latency,
  nccScaling,
  peerScaling,
  runOf,
  speedup,
  WASM_FMA_GFLOPS_PER_CORE,
  wasmMinimumMs,
} from './figures.js';
import { summarizeEfficiency } from './layers.js';
import type { Check, RuntimeId } from './protocol.js';
import type { ModelReport } from './results.js';
import { fixed, mib, ms, ratio, sig, type Row } from './table.js';

export interface Table {
  readonly title: string;
  readonly header: Row;
  readonly rows: readonly Row[];
}

/**
 * Layers that count for the per-layer target, and the bar they must reach (75% of the FMA peak). A
 * profile that accounts for less than LAYER_COVERAGE of the model's FLOPs (kernels without a FLOP
 * count, e.g. fused ones) cannot show the target met.
 */
export const LAYER_COVERAGE = 0.9;
export const LAYER_MIN_GFLOP = 0.1;
export const LAYER_BAR_GFLOPS = 0.75 * WASM_FMA_GFLOPS_PER_CORE;

export function compileTable(models: readonly ModelReport[]): Table {
  return {
    title: 'Compile (neuron-cc, default options) and correctness',
    header: ['model', 'GFLOP', 'compile s', 'NEFF MiB', 'kernels', 'variant run', 'outputs'],
    rows: models.map((m) => {
      const ncc = m.threads.map((t) => runOf(t.interleaved, 'neuron-cc'));
      const checks = m.threads.map((t, i) => `${t.threads}T ${checkText(ncc[i]?.check)}`);
      return [
        m.name,
        fixed(m.gflop, 2),
        fixed(m.compile ? m.compile.ms / 1000 : undefined, 1),
        mib(m.compile?.neffBytes),
        m.compile ? String(m.compile.kernels) : '-',
        ncc.find((r) => r)?.features.join('+') ?? '-',
        checks.join(', '),
      ];
    }),
  };
}

export function checkText(check: Check | undefined): string {
  if (!check) return 'not run';
  if (check.status === 'unchecked') return 'unchecked';
  if (check.status === 'figures')
    return `cosine ${check.cosine?.toFixed(6)}, max rel error ${check.maxRelError?.toExponential(1)} vs ${check.against}`;
  const worst = sig(check.worstRatio);
  const against = check.against === 'reference' ? '' : ` vs ${check.against}`;
  return `${check.status}${against} (err/tol ${worst})${check.detail ? `: ${check.detail}` : ''}`;
}

export function latencyTable(models: readonly ModelReport[]): Table {
  const rows = models.flatMap((m) =>
    m.threads.map((t) => {
      const [ncc, node, web] = (['neuron-cc', 'onnxruntime-node', 'onnxruntime-web'] as const).map((r) =>
        latency(runOf(t.interleaved, r)),
      );
      const min = wasmMinimumMs(m.gflop, t.threads);
      const nccRun = runOf(t.interleaved, 'neuron-cc');
      return [
        m.name,
        String(t.threads),
        ms(ncc?.median),
        ms(ncc?.p90),
        ms(node?.median),
        ms(node?.p90),
        ms(web?.median),
        ms(web?.p90),
        ratio(speedup(t, 'onnxruntime-node')),
        ratio(speedup(t, 'onnxruntime-web')),
        ms(min),
        ratio(ncc ? ncc.median / min : undefined),
        ratio(node ? node.median / min : undefined),
        fixed(nccRun?.cores, 2),
        nccRun ? String(nccRun.samples.length) : '-',
      ];
    }),
  );
  return {
    title: 'Latency, batch 1, interleaved (ms; speed-up = peer median / ncc median)',
    header: [
      'model',
      'T',
      'ncc med',
      'ncc p90',
      'node med',
      'node p90',
      'web med',
      'web p90',
      'vs node',
      'vs web',
      'wasm min',
      'ncc/min',
      'node/min',
      'ncc cores',
      'rounds',
    ],
    rows,
  };
}

export function scalingTable(models: readonly ModelReport[]): Table {
  const rows = models.flatMap((m) =>
    m.threads
      .filter((t) => t.threads > 1)
      .map((t) => [
        m.name,
        `${t.threads}T vs 1T`,
        ratio(nccScaling(t)),
        ratio(peerScaling(m, t.threads, 'onnxruntime-node')),
        ratio(peerScaling(m, t.threads, 'onnxruntime-web')),
      ]),
  );
  return {
    title: 'Thread scaling (ncc: median of interleaved 1T/T ratios; peers: ratio of medians)',
    header: ['model', 'threads', 'ncc', 'node', 'web'],
    rows,
  };
}

export function throughputTable(models: readonly ModelReport[]): Table {
  const rows = models.flatMap((m) =>
    m.threads.map((t) => {
      const tp = (r: RuntimeId) => runOf(t.interleaved, r)?.throughput;
      const ncc = tp('neuron-cc');
      return [
        m.name,
        m.compile?.batch ?? '-',
        String(t.threads),
        fixed(ncc?.itemsPerSecond, 1),
        fixed(tp('onnxruntime-node')?.itemsPerSecond, 1),
        fixed(tp('onnxruntime-web')?.itemsPerSecond, 1),
        ncc ? (ncc.safe ? 'yes' : 'NO') : '-',
      ];
    }),
  );
  return {
    title: 'Throughput: 8 concurrent run() calls on one loaded model (items/s), standing in for batch 8',
    header: ['model', 'batch in model', 'T', 'ncc', 'node', 'web', 'ncc queues safely'],
    rows,
  };
}

export function coldTable(models: readonly ModelReport[]): Table {
  const rows = models.flatMap((m) =>
    m.threads.map((t) => {
      const c = (r: RuntimeId) => coldOf(t, r);
      return [
        m.name,
        String(t.threads),
        ms(c('neuron-cc')?.coldMs),
        ms(c('onnxruntime-node')?.coldMs),
        ms(c('onnxruntime-web')?.coldMs),
        mib(c('neuron-cc')?.peakRssBytes),
        mib(c('onnxruntime-node')?.peakRssBytes),
        mib(c('onnxruntime-web')?.peakRssBytes),
      ];
    }),
  );
  return {
    title: 'Cold start (file read + load/session + first run, ms) and peak RSS (MiB), fresh process each',
    header: ['model', 'T', 'ncc cold', 'node cold', 'web cold', 'ncc RSS', 'node RSS', 'web RSS'],
    rows,
  };
}

export function layerTable(models: readonly ModelReport[]): Table {
  const rows = models.flatMap((m) => {
    const layers = m.threads.find((t) => t.interleaved?.layers)?.interleaved?.layers;
    if (!layers) return [];
    const s = summarizeEfficiency(layers, LAYER_MIN_GFLOP, LAYER_BAR_GFLOPS);
    return [
      [
        m.name,
        fixed(s.profiledGflop, 2),
        fixed(m.gflop, 2),
        String(s.layers),
        String(s.atBar),
        fixed(s.overallGflops, 1),
        s.slowest.map((l) => `${l.node} ${l.gflops.toFixed(1)}`).join(', '),
      ],
    ];
  });
  return {
    title: `Conv/GEMM layers of at least ${LAYER_MIN_GFLOP} GFLOP on one thread (bar: ${LAYER_BAR_GFLOPS.toFixed(2)} GFLOP/s = 75% of ${WASM_FMA_GFLOPS_PER_CORE})`,
    header: [
      'model',
      'GFLOP profiled',
      'GFLOP model',
      'layers',
      'at bar',
      'GFLOP/s overall',
      'slowest (GFLOP/s)',
    ],
    rows,
  };
}

/** TF.js graph models against TensorFlow.js's wasm backend (one thread: it has no threads in Node). */
export function tfjsTable(models: readonly ModelReport[]): Table {
  const rows = models.flatMap((m) =>
    m.threads
      .filter((t) => runOf(t.interleaved, 'tfjs-wasm') || coldOf(t, 'tfjs-wasm'))
      .map((t) => {
        const [ncc, tfjs] = (['neuron-cc', 'tfjs-wasm'] as const).map((r) =>
          latency(runOf(t.interleaved, r)),
        );
        const c = (r: RuntimeId) => coldOf(t, r);
        return [
          m.name,
          String(t.threads),
          ms(ncc?.median),
          ms(ncc?.p90),
          ms(tfjs?.median),
          ms(tfjs?.p90),
          ratio(speedup(t, 'tfjs-wasm')),
          ms(c('neuron-cc')?.coldMs),
          ms(c('tfjs-wasm')?.coldMs),
          mib(c('neuron-cc')?.peakRssBytes),
          mib(c('tfjs-wasm')?.peakRssBytes),
          checkText(runOf(t.interleaved, 'neuron-cc')?.check),
        ];
      }),
  );
  return {
    title: 'TF.js graph models: neuron-cc vs TensorFlow.js wasm (XNNPACK, SIMD, 1 thread in Node)',
    header: [
      'model',
      'T',
      'ncc med',
      'ncc p90',
      'tfjs med',
      'tfjs p90',
      'vs tfjs',
      'ncc cold',
      'tfjs cold',
      'ncc RSS',
      'tfjs RSS',
      'ncc outputs',
    ],
    rows,
  };
}

export function allTables(models: readonly ModelReport[]): Table[] {
  return [
    compileTable(models),
    latencyTable(models),
    tfjsTable(models),
    scalingTable(models),
    throughputTable(models),
    coldTable(models),
    layerTable(models),
    castTable(models),
  ];
}
