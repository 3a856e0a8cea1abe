/**
 * --auto-cast matmult (bf16 weights) beside float32, from the same bench run: NEFF sizes, the
 * latency ratio (median of the per-round ratios of the two neuron-cc runtimes timed in the same
 * interleaved rounds), accuracy against the reference outputs (figures only: the bench models have
 * random weights, which amplify rounding), peak memory in each mode, and the targets of issue 5.
 */
import { coldOf, runOf } from './figures.js';
import type { ModelReport, ThreadReport } from './results.js';
import { medianOfRatios } from './stats.js';
import type { Table } from './report.js';
import { mib, ratio } from './table.js';
import { judge, type TargetResult } from './targets.js';

/**
 * The cast model's time over float32's, median of the per-round ratios (`runtime`: matmult by
 * default, or all); below 1 the cast model is faster.
 */
export function castLatencyRatio(
  t: ThreadReport,
  runtime: 'neuron-cc-bf16' | 'neuron-cc-bf16-all' = 'neuron-cc-bf16',
): number | undefined {
  const fp32 = runOf(t.interleaved, 'neuron-cc')?.samples;
  const bf16 = runOf(t.interleaved, runtime)?.samples;
  return fp32 && bf16 && fp32.length > 0 ? medianOfRatios(bf16, fp32) : undefined;
}

export function castSizeRatio(m: ModelReport): number | undefined {
  return m.compile && m.compileCast ? m.compileCast.neffBytes / m.compile.neffBytes : undefined;
}

export function castTable(models: readonly ModelReport[]): Table {
  const threads = [...new Set(models.flatMap((m) => m.threads.map((t) => t.threads)))].sort((a, b) => a - b);
  return {
    title:
      'Auto-cast matmult (bf16 weights) and all (bf16 activations too) beside float32 (latency: median of interleaved cast/fp32 ratios)',
    header: [
      'model',
      'NEFF MiB fp32',
      'NEFF MiB bf16',
      'size',
      ...threads.map((t) => `latency ${t}T`),
      ...threads.map((t) => `all: latency ${t}T`),
      'cosine vs ref',
      'max rel err',
      'all: cosine',
      'all: max rel err',
      'fp32 cosine',
      ...threads.map((t) => `RSS ${t}T fp32/bf16/all MiB`),
    ],
    rows: models
      .filter((m) => m.compileCast)
      .map((m) => {
        const cast = m.threads.map((t) => runOf(t.interleaved, 'neuron-cc-bf16')?.check).find((c) => c);
        const all = m.threads.map((t) => runOf(t.interleaved, 'neuron-cc-bf16-all')?.check).find((c) => c);
        const fp32 = m.threads.map((t) => runOf(t.interleaved, 'neuron-cc')?.check).find((c) => c);
        return [
          m.name,
          mib(m.compile?.neffBytes),
          mib(m.compileCast?.neffBytes),
          ratio(castSizeRatio(m)),
          ...threads.map((n) => ratio(at(m, n) && castLatencyRatio(at(m, n)!))),
          ...threads.map((n) => ratio(at(m, n) && castLatencyRatio(at(m, n)!, 'neuron-cc-bf16-all'))),
          cast?.cosine?.toFixed(6) ?? '-',
          cast?.maxRelError?.toExponential(1) ?? '-',
          all?.cosine?.toFixed(6) ?? '-',
          all?.maxRelError?.toExponential(1) ?? '-',
          fp32?.cosine?.toFixed(6) ?? '-',
          ...threads.map((n) => {
            const t = at(m, n);
            const runtimes = ['neuron-cc', 'neuron-cc-bf16', 'neuron-cc-bf16-all'] as const;
            return runtimes.map((r) => mib(t && coldOf(t, r)?.peakRssBytes)).join(' / ');
          }),
        ];
      }),
  };
}

const at = (m: ModelReport, n: number): ThreadReport | undefined => m.threads.find((t) => t.threads === n);

/** The targets of issue 5, part 5: size, no slowdown, and the gain where weight traffic dominates. */
export function evaluateCastTargets(
  models: readonly ModelReport[],
  expected: readonly string[],
): TargetResult[] {
  const names = [...new Set([...expected, ...models.map((m) => m.name)])];
  const found = names.map((n) => ({ name: n, model: models.find((m) => m.name === n) }));
  const size = found.map(({ name, model }) => {
    const r = model && castSizeRatio(model);
    return {
      label: name,
      ok: r === undefined ? undefined : r <= 0.53,
      text: r === undefined ? '' : ratio(r),
    };
  });
  const slower = found.flatMap(({ name, model }) =>
    (model?.threads ?? [undefined]).map((t) => {
      const r = t && castLatencyRatio(t);
      const label = t ? `${name} ${t.threads}T` : name;
      return { label, ok: r === undefined ? undefined : r <= 1.05, text: r === undefined ? '' : ratio(r) };
    }),
  );
  const seq1 = models.find((m) => m.name === 'bert_base_seq1');
  const gain = (seq1?.threads ?? [undefined]).map((t) => {
    const r = t && castLatencyRatio(t);
    const label = t ? `bert_base_seq1 ${t.threads}T` : 'bert_base_seq1';
    return { label, ok: r === undefined ? undefined : r <= 0.75, text: r === undefined ? '' : ratio(r) };
  });
  return [
    judge('NEFF size with matmult at most 0.53x of float32 for every bench model', size),
    judge(
      'matmult latency at most 1.05x of float32 on every bench model (median of interleaved ratios)',
      slower,
    ),
    judge('matmult latency at most 0.75x of float32 on bert_base at sequence length 1', gain),
  ];
}
