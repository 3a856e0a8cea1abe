/**
 * `npm run bench`: the benchmark model set through the whole bench, a table per model as it goes,
 * then the targets, and docs/benchmarks.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../io/write-atomic.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchModel, type BenchPlan } from './bench-model.js';
import { installedRuntimes, machine, versions } from './machine.js';
import { renderMarkdown } from './markdown.js';
import { discoverModels } from './models.js';
import { RUNTIMES, type RunPlan, type RuntimeId } from './protocol.js';
import { allTables } from './report.js';
import type { ModelReport, SuiteReport } from './results.js';
import { textTable } from './table.js';
import { evaluateTargets } from './targets.js';
import { evaluateCastTargets } from './auto-cast.js';

export interface SuiteOptions {
  readonly dir: string;
  readonly models: readonly string[];
  readonly threads: readonly number[];
  /** At most this many interleaved rounds per (model, thread count). */
  readonly runs?: number;
  readonly quick: boolean;
  /** The Markdown file to write; undefined: none. */
  readonly out?: string;
  /** Formats the Markdown before it is written (the project's formatter, so the file passes its check). */
  readonly format?: (markdown: string, file: string) => Promise<string>;
  /** The command line, as the doc shows it. */
  readonly command: string;
  readonly runtimes?: readonly RuntimeId[];
}

/** Models above this many GFLOP get fewer warm-ups, throughput rounds and profile runs. */
const BIG_GFLOP = 5;

/** Budgets that keep the full suite under ~25 minutes on 2 cores, and --quick to a few. */
export function runPlan(gflop: number, quick: boolean, runs: number | undefined): RunPlan {
  const big = gflop > BIG_GFLOP;
  const maxRounds = runs ?? (quick ? 5 : 30);
  return quick
    ? {
        warmup: 1,
        minRounds: Math.min(3, maxRounds),
        maxRounds,
        budgetMs: 5000,
        throughputRounds: 1,
        concurrent: 8,
        profileRuns: 2,
      }
    : {
        warmup: big ? 1 : 3,
        minRounds: Math.min(5, maxRounds),
        maxRounds,
        budgetMs: 40_000,
        throughputRounds: big ? 1 : 3,
        concurrent: 8,
        profileRuns: big ? 3 : 5,
      };
}

export async function runSuite(
  options: SuiteOptions,
  log: (line: string) => void = console.log,
): Promise<SuiteReport> {
  const started = Date.now();
  const box = machine(); // before any child runs: the load average is the machine's, not ours
  const { models, skipped } = discoverModels(options.dir, options.models);
  for (const s of skipped) log(`SKIPPED ${s.name}: ${s.reason}\n  make it with: ${s.command}`);
  const workDir = mkdtempSync(join(tmpdir(), 'neuron-cc-bench-'));
  const runtimes = installedRuntimes(options.runtimes ?? RUNTIMES, log);
  const plan: BenchPlan = {
    threads: options.threads,
    runtimes,
    run: (gflop) => runPlan(gflop, options.quick, options.runs),
    coldRuns: options.quick ? 1 : 3,
    workDir,
    timeoutMs: 20 * 60_000,
  };
  const reports: ModelReport[] = [];
  try {
    for (const model of models) {
      log(`\n== ${model.name}${model.gflop !== undefined ? ` (${model.gflop} GFLOP)` : ''}`);
      const report = await benchModel(model, plan, log);
      reports.push(report);
      for (const t of allTables([report]))
        if (t.rows.length) log(`\n${t.title}\n${textTable(t.header, t.rows)}`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const report: SuiteReport = {
    date: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
    command: options.command,
    machine: box,
    versions: versions(),
    runtimes,
    models: reports,
    skipped,
    minutes: (Date.now() - started) / 60_000,
  };
  // issue 4's targets are over its seven ONNX models; bert_base_seq1 is auto-cast's (issue 5), the
  // TF.js model is measured against TensorFlow.js (issue 6)
  const issue4 = (name: string): boolean => name !== 'bert_base_seq1' && !name.endsWith('_tfjs');
  const targets = evaluateTargets(
    reports.filter((m) => issue4(m.name)),
    options.models.filter(issue4),
  );
  const castTargets = runtimes.includes('neuron-cc-bf16')
    ? evaluateCastTargets(
        reports.filter((m) => !m.name.endsWith('_tfjs')),
        options.models.filter((n) => !n.endsWith('_tfjs')),
      )
    : [];
  for (const [title, list] of [
    ['Targets (issue 4, part 3)', targets],
    ['Targets (issue 5, part 5: auto-cast)', castTargets],
  ] as const) {
    if (list.length) log(`\n${title}`);
    for (const t of list) log(`  ${t.verdict.padEnd(12)} ${t.target}\n  ${' '.repeat(12)} ${t.figures}`);
  }
  for (const s of skipped) log(`SKIPPED ${s.name}: ${s.reason} (make it with: ${s.command})`);
  if (options.out) {
    const markdown = renderMarkdown(report, targets, castTargets);
    writeFileAtomic(options.out, options.format ? await options.format(markdown, options.out) : markdown);
    log(`\nwrote ${options.out}`);
  }
  return report;
}
