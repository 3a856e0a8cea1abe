/**
 * One model through the whole bench: compile (own process), then per thread count one interleaved
 * process for latency, throughput and the profile, and one fresh process per runtime for cold start
 * and peak memory. Failures become problems in the report, never a crash of the run.
 */
import { join } from 'node:path';
import type { BenchModel } from './models.js';
import type {
  ColdResult,
  CompileResult,
  InterleavedResult,
  ModelFiles,
  RunPlan,
  RuntimeId,
} from './protocol.js';
import { isNccRuntime, peersFor } from './protocol.js';
import type { ModelReport, ThreadReport } from './results.js';
import { runJob } from './spawn.js';
import { checkText } from './report.js';
import { latency } from './figures.js';
import { ms, mib } from './table.js';

export interface BenchPlan {
  readonly threads: readonly number[];
  readonly runtimes: readonly RuntimeId[];
  /** The run plan for one model (budgets may depend on its size). */
  readonly run: (gflop: number) => RunPlan;
  readonly coldRuns: number;
  /** Where NEFFs are written. */
  readonly workDir: string;
  readonly timeoutMs: number;
}

/** A NEFF compiled beforehand (the CLI compiles first, to learn the inputs it must make up). */
export interface Compiled {
  readonly neff: string;
  readonly result: CompileResult;
}

export async function benchModel(
  model: BenchModel,
  plan: BenchPlan,
  log: (line: string) => void,
  compiled?: Compiled,
): Promise<ModelReport> {
  const ctx: Context = { model, plan, log, problems: [] };
  const stem = join(plan.workDir, model.name.replace(/[^\w.-]/g, '_'));
  const neff = compiled?.neff ?? `${stem}.neff`;
  const neffCast = `${stem}.bf16.neff`;
  const neffCastAll = `${stem}.bf16-all.neff`;
  let compile = compiled?.result;
  if (!compile && plan.runtimes.includes('neuron-cc')) {
    compile = await compileModel(model, neff, plan.timeoutMs).catch((e: unknown) =>
      failed(ctx, 'compile', e),
    );
    if (compile) log(compileLine(compile));
  }
  let compileCast: CompileResult | undefined;
  if (plan.runtimes.includes('neuron-cc-bf16')) {
    compileCast = await compileModel(model, neffCast, plan.timeoutMs, 'matmult').catch((e: unknown) =>
      failed(ctx, 'compile with --auto-cast matmult', e),
    );
    if (compileCast) log(compileLine(compileCast, '--auto-cast matmult'));
  }
  let compileCastAll: CompileResult | undefined;
  if (plan.runtimes.includes('neuron-cc-bf16-all')) {
    compileCastAll = await compileModel(model, neffCastAll, plan.timeoutMs, 'all').catch((e: unknown) =>
      failed(ctx, 'compile with --auto-cast all', e),
    );
    if (compileCastAll) log(compileLine(compileCastAll, '--auto-cast all'));
  }
  // without a NEFF the peers are still measured, and the report says why neuron-cc is missing
  // peers only for the formats they run
  const runtimes = plan.runtimes.filter(
    (r) =>
      (r !== 'neuron-cc' || compile) &&
      (r !== 'neuron-cc-bf16' || compileCast) &&
      (r !== 'neuron-cc-bf16-all' || compileCastAll) &&
      (isNccRuntime(r) || peersFor(model.format).includes(r)),
  );
  const gflop = model.gflop ?? (compile ? compile.flops / 1e9 : NaN);
  const { name, modelFile, format, inputs, outputs, tolerance } = model;
  const files: ModelFiles = {
    name,
    modelFile,
    format,
    neff,
    neffCast,
    neffCastAll,
    inputs,
    outputs,
    tolerance,
  };
  const threads: ThreadReport[] = [];
  for (const t of plan.threads) threads.push(await benchThreads(ctx, files, runtimes, t, gflop));
  return {
    name,
    gflop,
    ...(compile ? { compile } : {}),
    ...(compileCast ? { compileCast } : {}),
    ...(compileCastAll ? { compileCastAll } : {}),
    threads,
    problems: ctx.problems,
  };
}

interface Context {
  readonly model: BenchModel;
  readonly plan: BenchPlan;
  readonly log: (line: string) => void;
  readonly problems: string[];
}

function failed(ctx: Context, what: string, e: unknown): undefined {
  const message = `${ctx.model.name}: ${what} failed: ${(e as Error).message}`;
  ctx.problems.push(message);
  ctx.log(`  !! ${message}`);
  return undefined;
}

/** One thread count: the interleaved process (profiling at the lowest count), then the cold starts. */
async function benchThreads(
  ctx: Context,
  files: ModelFiles,
  runtimes: readonly RuntimeId[],
  threads: number,
  gflop: number,
): Promise<ThreadReport> {
  const { plan, log } = ctx;
  // TensorFlow.js's wasm backend has no threads in Node: it is measured at one thread only
  const measured = runtimes.filter((r) => r !== 'tfjs-wasm' || threads === 1);
  const run = plan.run(gflop);
  const profile = threads === Math.min(...plan.threads);
  const interleaved = await runJob(
    {
      kind: 'interleaved',
      files,
      threads,
      runtimes: measured,
      plan: profile ? run : { ...run, profileRuns: 0 },
      scaling: threads > 1,
    },
    plan.timeoutMs,
  ).catch((e: unknown) => failed(ctx, `${threads}-thread interleaved run`, e));
  if (interleaved) logInterleaved(ctx, interleaved);
  const cold: ColdResult[] = [];
  for (const runtime of measured) {
    const c = await runJob(
      { kind: 'cold', files, threads, runtime, runs: plan.coldRuns },
      plan.timeoutMs,
    ).catch((e: unknown) => failed(ctx, `${threads}-thread cold start of ${runtime}`, e));
    if (!c) continue;
    cold.push(c);
    log(`  ${threads}T ${runtime.padEnd(16)} cold ${ms(c.coldMs)} ms, peak RSS ${mib(c.peakRssBytes)} MiB`);
  }
  return { threads, ...(interleaved ? { interleaved } : {}), cold };
}

export function compileModel(
  model: BenchModel,
  neffOut: string,
  timeoutMs: number,
  autoCast?: 'matmult' | 'all',
): Promise<CompileResult> {
  const { modelFile, framework, ioConfig } = model;
  return runJob(
    {
      kind: 'compile',
      model: modelFile,
      framework,
      ...(ioConfig ? { ioConfig } : {}),
      neffOut,
      ...(autoCast ? { autoCast } : {}),
    },
    timeoutMs,
  );
}

export function compileLine(c: CompileResult, how = ''): string {
  const label = how ? ` ${how}` : '';
  return `  compile${label} ${(c.ms / 1000).toFixed(1)} s, NEFF ${mib(c.neffBytes)} MiB, ${c.kernels} kernels`;
}

function logInterleaved(ctx: Context, r: InterleavedResult): void {
  for (const s of r.skipped) {
    const message = `${ctx.model.name}: ${s.runtime} skipped at ${r.threads}T: ${s.reason}`;
    ctx.problems.push(message);
    ctx.log(`  !! ${message}`);
  }
  for (const run of r.runs) {
    const l = latency(run);
    const tp = run.throughput ? `, ${run.throughput.itemsPerSecond.toFixed(1)} items/s` : '';
    ctx.log(
      `  ${r.threads}T ${run.runtime.padEnd(16)} median ${ms(l?.median)} ms, p90 ${ms(l?.p90)} ms${tp}, ` +
        `${run.backend}, outputs ${checkText(run.check)}`,
    );
  }
}
