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
  const problems: string[] = [];
  const fail = (what: string, e: unknown): undefined => {
    const message = `${model.name}: ${what} failed: ${(e as Error).message}`;
    problems.push(message);
    log(`  !! ${message}`);
    return undefined;
  };
  const neff = compiled?.neff ?? join(plan.workDir, `${model.name.replace(/[^\w.-]/g, '_')}.neff`);
  let runtimes = plan.runtimes;
  let compile = compiled?.result;
  if (!compile && runtimes.includes('neuron-cc')) {
    compile = await compileModel(model, neff, plan.timeoutMs).catch((e: unknown) => fail('compile', e));
    if (compile) log(compileLine(compile));
    else runtimes = runtimes.filter((r) => r !== 'neuron-cc');
  }
  const gflop = model.gflop ?? (compile ? compile.flops / 1e9 : NaN);
  const files: ModelFiles = {
    name: model.name,
    onnx: model.onnx,
    neff,
    inputs: model.inputs,
    outputs: model.outputs,
    tolerance: model.tolerance,
  };
  const threads: ThreadReport[] = [];
  const profileAt = Math.min(...plan.threads);
  for (const t of plan.threads) {
    const run = plan.run(gflop);
    const interleaved = await runJob(
      {
        kind: 'interleaved',
        files,
        threads: t,
        runtimes,
        plan: t === profileAt ? run : { ...run, profileRuns: 0 },
        scaling: t > 1,
      },
      plan.timeoutMs,
    ).catch((e: unknown) => fail(`${t}-thread interleaved run`, e));
    if (interleaved) logInterleaved(interleaved, log, problems, model.name);
    const cold: ColdResult[] = [];
    for (const runtime of runtimes) {
      const c = await runJob(
        { kind: 'cold', files, threads: t, runtime, runs: plan.coldRuns },
        plan.timeoutMs,
      ).catch((e: unknown) => fail(`${t}-thread cold start of ${runtime}`, e));
      if (c) {
        cold.push(c);
        log(`  ${t}T ${runtime.padEnd(16)} cold ${ms(c.coldMs)} ms, peak RSS ${mib(c.peakRssBytes)} MiB`);
      }
    }
    threads.push({ threads: t, ...(interleaved ? { interleaved } : {}), cold });
  }
  return { name: model.name, gflop, ...(compile ? { compile } : {}), threads, problems };
}

export function compileModel(model: BenchModel, neffOut: string, timeoutMs: number): Promise<CompileResult> {
  const { onnx, framework, ioConfig } = model;
  return runJob(
    { kind: 'compile', model: onnx, framework, ...(ioConfig ? { ioConfig } : {}), neffOut },
    timeoutMs,
  );
}

export function compileLine(c: CompileResult): string {
  return `  compile ${(c.ms / 1000).toFixed(1)} s, NEFF ${mib(c.neffBytes)} MiB, ${c.kernels} kernels`;
}

function logInterleaved(
  r: InterleavedResult,
  log: (line: string) => void,
  problems: string[],
  model: string,
): void {
  for (const s of r.skipped) {
    const message = `${model}: ${s.runtime} skipped at ${r.threads}T: ${s.reason}`;
    problems.push(message);
    log(`  !! ${message}`);
  }
  for (const run of r.runs) {
    const l = latency(run);
    const tp = run.throughput ? `, ${run.throughput.itemsPerSecond.toFixed(1)} items/s` : '';
    log(
      `  ${r.threads}T ${run.runtime.padEnd(16)} median ${ms(l?.median)} ms, p90 ${ms(l?.p90)} ms${tp}, ` +
        `${run.backend}, outputs ${checkText(run.check)}`,
    );
  }
}
