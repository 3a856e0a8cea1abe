/** docs/benchmarks.md: what ran where, the tables, the targets of issue 4, and what was skipped. */
import { allTables, type Table } from './report.js';
import type { SuiteReport } from './results.js';
import type { TargetResult } from './targets.js';
import { markdownTable } from './table.js';
import { WASM_FMA_GFLOPS_PER_CORE } from './figures.js';

/** Above this 1-minute load average before the run, the machine was not idle: say so. */
export const BUSY_LOAD = 0.5;

export function renderMarkdown(
  report: SuiteReport,
  targets: readonly TargetResult[],
  castTargets: readonly TargetResult[] = [],
): string {
  const list = (ts: readonly TargetResult[]): string[] =>
    ts.map((t) => `- ${t.verdict === 'met' ? 'met' : `**${t.verdict}**`}: ${t.target}. ${t.figures}`);
  return [
    '# neuron-cc benchmarks',
    '',
    ...preliminary(report),
    ...header(report),
    '## Targets (issue 4, part 3)',
    '',
    // a list, not a table: the figures run long, and a table would pad every row to the longest
    ...list(targets),
    '',
    ...(castTargets.length ? ['## Targets (issue 5, part 5: auto-cast)', '', ...list(castTargets), ''] : []),
    ...allTables(report.models).flatMap(section),
    ...skipped(report),
    ...problems(report),
    ...method(),
  ].join('\n');
}

function preliminary(report: SuiteReport): string[] {
  if (report.machine.loadBefore < BUSY_LOAD) return [];
  return [
    `> **Preliminary figures**: the machine was busy when this run started (1-minute load average ${report.machine.loadBefore.toFixed(2)} on ${report.machine.cores} cores), so other work skewed the timings. Rerun \`npm run bench\` on an idle machine for figures to rely on.`,
    '',
  ];
}

function header(report: SuiteReport): string[] {
  const m = report.machine;
  return [
    `- Date: ${report.date} (the run took ${report.minutes.toFixed(1)} min)`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.os}; load average before the run ${m.loadBefore.toFixed(2)}`,
    `- Versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `- Command: \`${report.command}\``,
    `- Runtimes: ${report.runtimes.join(', ')} (columns: ncc = neuron-cc, node = onnxruntime-node, web = onnxruntime-web, tfjs = TensorFlow.js's wasm backend; T = threads)`,
    '',
  ];
}

function section(t: Table): string[] {
  if (t.rows.length === 0) return [];
  return [`## ${t.title}`, '', markdownTable(t.header, t.rows), ''];
}

function skipped(report: SuiteReport): string[] {
  if (report.skipped.length === 0) return [];
  return [
    '## Skipped models',
    '',
    markdownTable(
      ['model', 'why', 'make it with'],
      report.skipped.map((s) => [s.name, s.reason, `\`${s.command}\``]),
    ),
    '',
  ];
}

function problems(report: SuiteReport): string[] {
  const all = report.models.flatMap((m) => m.problems);
  if (all.length === 0) return [];
  return ['## Problems during the run', '', ...all.map((p) => `- ${p}`), ''];
}

function method(): string[] {
  return [
    '## Method',
    '',
    "- Latency: per thread count, one process loads all runtimes and runs them interleaved (warm-up, then rounds of one run each, in a seeded random order per round), so drift hits all alike; median and p90 of the rounds. Each run starts once the process has been idle for 5 ms: onnxruntime-web's threads keep spinning for tens of ms after a run, and would otherwise slow whichever runtime comes next. Speed-up = peer median / neuron-cc median; the geometric mean is over every (model, thread count) pair.",
    "- ncc cores: the process's CPU time over wall time during neuron-cc's runs (median): about T when all its threads compute; below that, the process did not get the cores (other load on the machine), and its figures are suspect.",
    "- Thread scaling of neuron-cc: the multi-thread process also loads the NEFF at one thread and times it in the same rounds; the figure is the median of the per-round ratios. The peers' scaling compares medians from the two processes.",
    `- Wasm minimum: the model's GFLOP (conv/GEMM/MatMul, direct algorithm) at ${WASM_FMA_GFLOPS_PER_CORE} GFLOP/s per thread (the measured relaxed-SIMD FMA peak of one core); "ncc/min" is how many times that neuron-cc's median is. onnxruntime-node's native kernels are below this minimum on every model here, so matching it from wasm needs fewer FLOPs (e.g. Winograd) or another target.`,
    "- Cold start: a fresh process per (runtime, model, thread count); the time from reading the model file (NEFF or ONNX) through load or session creation to the end of the first inference; importing the package is not included. Peak RSS: that process's maximum resident set (every thread, native and wasm memory) after a few more runs.",
    "- Throughput: a true batch of 8 needs a model whose batch dimension is not fixed; the column 'batch in model' shows what each model file declares (these export batch 1), so the figure is 8 concurrent run() calls on one loaded model, in items per second (median of rounds), for every runtime alike. Each result is compared with what its input gives alone (two different inputs alternate), which shows whether concurrent calls queue safely.",
    "- Correctness: each runtime's first output is compared with the model's reference outputs (PyTorch) within the model's tolerance (|err| <= atol + rtol |ref|); err/tol is the worst element's error over its allowance (at most 1 passes).",
    "- Peers: onnxruntime-node with the CPU execution provider, onnxruntime-web's Node build (wasm, SIMD, threads as worker threads, numThreads = T); intra-op threads = T, inter-op 1, thread-pool spinning off (a spinning pool would steal a core from the next runtime of the round). onnxruntime-node is imported first and each session's backend is verified (the native handler for node, wasm for web). TensorFlow.js (`@tensorflow/tfjs-backend-wasm`, XNNPACK kernels with SIMD; no threads in Node, so one thread only) runs the TF.js graph model, loaded from model.json and its shards by its own converter; onnxruntime does not run TF.js models.",
    "- Layer efficiency: neuron-cc's kernel-by-kernel profile on one thread; a layer's GFLOP/s counts direct-convolution FLOPs over the layer's time (`neuron-cc profile OUT.neff` prints the same per layer).",
    '',
  ];
}
