/**
 * The targets of issue 4 (part 3), each judged from one bench run: met, missed (with the figures
 * that miss) or not measured (a model or peer was skipped). Misses are reported as they are.
 */
import { coldOf, geomeanSpeedup, nccScaling, runOf, speedup } from './figures.js';
import { LAYER_BAR_GFLOPS, LAYER_COVERAGE, LAYER_MIN_GFLOP } from './report.js';
import { summarizeEfficiency } from './layers.js';
import type { ModelReport, ThreadReport } from './results.js';
import { fixed, mib, ms, ratio, sig } from './table.js';

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetResult {
  readonly target: string;
  readonly verdict: Verdict;
  readonly figures: string;
}

/** One model's figure for a target: undefined when it was not measured. */
export interface Figure {
  readonly label: string;
  readonly ok: boolean | undefined;
  readonly text: string;
}

export function judge(target: string, figures: readonly Figure[]): TargetResult {
  const verdict: Verdict = figures.some((f) => f.ok === false)
    ? 'missed'
    : figures.length > 0 && figures.every((f) => f.ok === true)
      ? 'met'
      : 'not measured';
  return { target, verdict, figures: figureText(figures) };
}

/** Each figure with its label; many measured figures that all read the same are said once. */
function figureText(figures: readonly Figure[]): string {
  const first = figures[0];
  if (!first) return 'nothing measured';
  if (
    figures.length > 1 &&
    figures.every((f) => f.ok !== undefined && f.ok === first.ok && f.text === first.text)
  )
    return `all ${figures.length}: ${first.text}`;
  // a figure with no verdict may still say what was measured (a partial profile)
  return figures
    .map((f) => `${f.label} ${f.ok === undefined && !f.text ? 'not measured' : f.text}`)
    .join('; ');
}

const at = (m: ModelReport, threads: number) => m.threads.find((t) => t.threads === threads);

/** The models a target is about, measured or not: a skipped model leaves its figure unmeasured. */
type Suite = readonly { readonly name: string; readonly model: ModelReport | undefined }[];

const named = (models: readonly ModelReport[], names: readonly string[]): Suite =>
  names.map((n) => ({ name: n, model: models.find((m) => m.name === n) }));

/** One figure per thread count of each model; a model not measured at all gives one unmeasured figure. */
function perThread(
  suite: Suite,
  threads: readonly number[],
  f: (m: ModelReport, t: ThreadReport) => Figure,
): Figure[] {
  return suite.flatMap(({ name, model }) =>
    model
      ? threads.map((n) => {
          const t = at(model, n);
          return t ? f(model, t) : { label: `${name} ${n}T`, ok: undefined, text: '' };
        })
      : [{ label: name, ok: undefined, text: '' }],
  );
}

function speedupTarget(suite: Suite, threads: number, bar: number): TargetResult {
  return judge(
    `every model at least ${bar}x faster than onnxruntime-web at ${threads} thread${threads > 1 ? 's' : ''}`,
    perThread(suite, [threads], (m, t) => {
      const x = speedup(t, 'onnxruntime-web');
      return {
        label: m.name,
        ok: x === undefined ? undefined : x >= bar,
        text: x === undefined ? '' : ratio(x),
      };
    }),
  );
}

function geomeanTarget(suite: Suite): TargetResult {
  const g = geomeanSpeedup(
    suite.flatMap((s) => (s.model ? [s.model] : [])),
    'onnxruntime-web',
  );
  const missing = suite.filter((s) => !s.model).map((s) => s.name);
  return judge('geometric mean over all (model, thread count) pairs at least 2.3x vs onnxruntime-web', [
    { label: `over ${g.pairs} pairs`, ok: g.pairs === 0 ? undefined : g.value >= 2.3, text: ratio(g.value) },
    ...(missing.length ? [{ label: `without ${missing.join(', ')}:`, ok: undefined, text: '' }] : []),
  ]);
}

function relaxedTarget(suite: Suite, threads: readonly number[]): TargetResult {
  return judge(
    'measured with the relaxed-SIMD variant at the default optimization level',
    perThread(suite, threads, (m, t) => {
      const run = runOf(t.interleaved, 'neuron-cc');
      return {
        label: `${m.name} ${t.threads}T`,
        ok: run ? run.features.includes('relaxed-simd') : undefined,
        text: run ? run.features.join('+') : '',
      };
    }),
  );
}

function layerTarget(models: readonly ModelReport[]): TargetResult {
  return judge(
    `conv/GEMM layers of at least ${LAYER_MIN_GFLOP} GFLOP in resnet50 and bert_base at 75% of the wasm FMA peak (${LAYER_BAR_GFLOPS.toFixed(1)} GFLOP/s) per thread`,
    named(models, ['resnet50', 'bert_base']).map(({ name, model }) => {
      const layers = model?.threads.find((t) => t.interleaved?.layers)?.interleaved?.layers;
      if (!model || !layers) return { label: name, ok: undefined, text: '' };
      const s = summarizeEfficiency(layers, LAYER_MIN_GFLOP, LAYER_BAR_GFLOPS);
      const slowest = s.slowest[0];
      const covered = s.profiledGflop >= LAYER_COVERAGE * model.gflop;
      const coverage = covered
        ? ''
        : ` (the profile counts only ${fixed(s.profiledGflop, 2)} of ${fixed(model.gflop, 2)} GFLOP: some kernels carry no FLOP count)`;
      return {
        label: name,
        ok: s.atBar < s.layers ? false : covered && s.layers > 0 ? true : undefined,
        text: `${s.atBar} of ${s.layers} layers, ${fixed(s.overallGflops, 1)} GFLOP/s overall${slowest ? `, slowest ${slowest.node} ${slowest.gflops.toFixed(1)}` : ''}${coverage}`,
      };
    }),
  );
}

function scalingTarget(models: readonly ModelReport[]): TargetResult {
  return judge(
    '2 threads at least 1.7x faster than 1 thread on resnet50 and bert_base (interleaved, median of ratios)',
    named(models, ['resnet50', 'bert_base']).map(({ name, model }) => {
      const t = model && at(model, 2);
      const x = t && nccScaling(t);
      return {
        label: name,
        ok: x === undefined ? undefined : x >= 1.7,
        text: x === undefined ? '' : ratio(x),
      };
    }),
  );
}

function throughputTarget(suite: Suite): TargetResult {
  return judge(
    'throughput with 8 requests at 2 threads reported beside onnxruntime, concurrent run() calls queue safely',
    perThread(suite, [2], (m, t) => {
      const tp = (r: Parameters<typeof runOf>[1]) => runOf(t.interleaved, r)?.throughput;
      const ncc = tp('neuron-cc');
      return {
        label: m.name,
        ok: ncc ? ncc.safe : undefined,
        text: `${fixed(ncc?.itemsPerSecond, 1)}/s (node ${fixed(tp('onnxruntime-node')?.itemsPerSecond, 1)}, web ${fixed(tp('onnxruntime-web')?.itemsPerSecond, 1)})${ncc?.safe === false ? ' UNSAFE' : ''}`,
      };
    }),
  );
}

function coldTarget(suite: Suite, threads: readonly number[]): TargetResult {
  return judge(
    "cold start (NEFF load + first inference) below onnxruntime-node's session creation + first run",
    perThread(suite, threads, (m, t) => {
      const a = coldOf(t, 'neuron-cc')?.coldMs;
      const b = coldOf(t, 'onnxruntime-node')?.coldMs;
      const measured = a !== undefined && b !== undefined;
      return {
        label: `${m.name} ${t.threads}T`,
        ok: measured ? a < b : undefined,
        text: `${ms(a)} vs ${ms(b)} ms`,
      };
    }),
  );
}

function rssTarget(suite: Suite, threads: readonly number[]): TargetResult {
  return judge(
    "peak RSS while running (fresh process per runtime) below onnxruntime-web's",
    perThread(suite, threads, (m, t) => {
      const a = coldOf(t, 'neuron-cc')?.peakRssBytes;
      const b = coldOf(t, 'onnxruntime-web')?.peakRssBytes;
      const measured = a !== undefined && b !== undefined;
      return {
        label: `${m.name} ${t.threads}T`,
        ok: measured ? a < b : undefined,
        text: `${mib(a)} vs ${mib(b)} MiB`,
      };
    }),
  );
}

function compileTarget(models: readonly ModelReport[], name: string, seconds: number): TargetResult {
  const m = models.find((x) => x.name === name);
  const s = m?.compile ? m.compile.ms / 1000 : undefined;
  return judge(`compile time of ${name} under ${seconds} s`, [
    {
      label: name,
      ok: s === undefined ? undefined : s < seconds,
      text: s === undefined ? '' : `${fixed(s, 1)} s`,
    },
  ]);
}

function correctnessGate(suite: Suite, threads: readonly number[]): TargetResult {
  return judge(
    "neuron-cc's outputs match the reference within the model's tolerance (every thread count)",
    perThread(suite, threads, (m, t) => {
      const c = runOf(t.interleaved, 'neuron-cc')?.check;
      const ok = c === undefined || c.status === 'unchecked' ? undefined : c.status === 'pass';
      return { label: `${m.name} ${t.threads}T`, ok, text: c ? `err/tol ${sig(c.worstRatio)}` : '' };
    }),
  );
}

/** The thread counts issue 4 measures at. */
export const TARGET_THREADS = [1, 2] as const;

/** Every target, over the suite's model names (a name with no report counts as not measured). */
export function evaluateTargets(models: readonly ModelReport[], expected: readonly string[]): TargetResult[] {
  const suite = named(models, [...new Set([...expected, ...models.map((m) => m.name)])]);
  const threads = TARGET_THREADS;
  return [
    correctnessGate(suite, threads),
    speedupTarget(suite, 2, 2),
    speedupTarget(suite, 1, 1.7),
    geomeanTarget(suite),
    relaxedTarget(suite, threads),
    layerTarget(models),
    scalingTarget(models),
    throughputTarget(suite),
    coldTarget(suite, threads),
    rssTarget(suite, threads),
    compileTarget(models, 'resnet50', 5),
    compileTarget(models, 'bert_base', 15),
  ];
}
