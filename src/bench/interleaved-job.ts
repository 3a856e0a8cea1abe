/**
 * The child's side of an interleaved job: open every runtime at one thread count in this process,
 * check each one's outputs, time them round-robin, then measure throughput and neuron-cc's per-layer
 * profile. With `scaling`, neuron-cc is also opened at one thread and timed in the same rounds.
 */
import { compareOutputs, figuresOnly, UNCHECKED } from './check.js';
import { readFeeds, readOutputs, reversedFeeds, type Feed, type Outputs } from './feeds.js';
import { layerEfficiency } from './layers.js';
import { interleave, throughput, warmUp } from './measure.js';
import type { Check, InterleavedJob, InterleavedResult, RuntimeId, RuntimeRun } from './protocol.js';
import { adapters, type Session } from './runtimes.js';
import { median } from './stats.js';

interface Opened {
  readonly sessions: Session[];
  readonly skipped: { runtime: RuntimeId; reason: string }[];
  /** neuron-cc at one thread, for the scaling ratio. */
  readonly single?: Session;
}

export async function runInterleaved(job: InterleavedJob): Promise<InterleavedResult> {
  const feeds = readFeeds(job.files.inputs);
  const sets = [feeds, reversedFeeds(feeds)];
  const { sessions, skipped, single } = await warmedUp(job, await openAll(job, sets));
  try {
    const timed = single ? [...sessions, single] : sessions;
    const checks = checkAll(job, sessions);
    const timings = await interleave(timed, job.plan);
    const tput = await throughputOf(job, sessions);
    const runs: RuntimeRun[] = sessions.map((s, i) => ({
      runtime: s.session.runtime,
      backend: s.session.backend,
      features: s.session.features,
      samples: timings[i]!.samples,
      cores: median(timings[i]!.cores),
      check: checks[i]!,
      ...(tput ? { throughput: tput[i]! } : {}),
    }));
    const ncc = sessions.find((s) => s.session.runtime === 'neuron-cc')?.session;
    const layers =
      ncc?.profile && job.plan.profileRuns > 0
        ? layerEfficiency(await ncc.profile(0, job.plan.profileRuns))
        : undefined;
    return {
      threads: job.threads,
      runs,
      skipped,
      ...(single ? { oneThread: timings[timed.length - 1]!.samples } : {}),
      ...(layers ? { layers } : {}),
    };
  } finally {
    for (const s of single ? [...sessions, single] : sessions) await s.session.dispose();
  }
}

/** A session with the outputs of its first run (the ones checked). */
interface Warm {
  readonly session: Session;
  readonly first: Outputs;
  run(set: number): Promise<Outputs>;
}

/** Warm-up runs; a session that fails in them is skipped, not the whole measurement. */
async function warmedUp(job: InterleavedJob, opened: Opened) {
  const skipped = [...opened.skipped];
  const warm = async (session: Session): Promise<Warm | undefined> => {
    try {
      const [first] = await warmUp([session], job.plan.warmup);
      return { session, first: first!, run: (set) => session.run(set) };
    } catch (e) {
      skipped.push({ runtime: session.runtime, reason: `failed to run: ${(e as Error).message}` });
      await session.dispose();
      return undefined;
    }
  };
  const sessions: Warm[] = [];
  for (const s of opened.sessions) {
    const w = await warm(s);
    if (w) sessions.push(w);
  }
  const single = opened.single && (await warm(opened.single));
  return { sessions, skipped, ...(single ? { single } : {}) };
}

async function openAll(job: InterleavedJob, sets: readonly (readonly Feed[])[]): Promise<Opened> {
  const found = await adapters(job.runtimes);
  const sessions: Session[] = [];
  const skipped: { runtime: RuntimeId; reason: string }[] = [];
  for (const runtime of job.runtimes) {
    const adapter = found.get(runtime)!;
    if (adapter instanceof Error) {
      skipped.push({ runtime, reason: adapter.message });
      continue;
    }
    try {
      sessions.push(await adapter.open({ files: job.files, threads: job.threads, feeds: sets }));
    } catch (e) {
      skipped.push({ runtime, reason: (e as Error).message });
    }
  }
  const nccAdapter = found.get('neuron-cc');
  const wantSingle = job.scaling && job.threads > 1 && sessions.some((s) => s.runtime === 'neuron-cc');
  const single =
    wantSingle && nccAdapter && !(nccAdapter instanceof Error)
      ? await nccAdapter.open({ files: job.files, threads: 1, feeds: sets })
      : undefined;
  return { sessions, skipped, ...(single ? { single } : {}) };
}

/**
 * Reference outputs if the model has them, else the first peer's (onnxruntime-node for an ONNX
 * model, TensorFlow.js for a TF.js one: a user's model).
 */
function checkAll(job: InterleavedJob, sessions: readonly Warm[]): Check[] {
  const files = Object.keys(job.files.outputs).length > 0;
  const node = sessions.find(
    (s) => s.session.runtime === 'onnxruntime-node' || s.session.runtime === 'tfjs-wasm',
  );
  const expected = files ? readOutputs(job.files.outputs) : node?.first;
  if (!expected) return sessions.map(() => UNCHECKED);
  const against = files
    ? 'reference'
    : node!.session.runtime === 'tfjs-wasm'
      ? 'tfjs-wasm'
      : 'onnxruntime-node';
  return sessions.map((s) => {
    if (!files && s === node) return UNCHECKED;
    const check = compareOutputs(s.first, expected, job.files.tolerance, against);
    const cast = s.session.runtime === 'neuron-cc-bf16' || s.session.runtime === 'neuron-cc-bf16-all';
    return cast ? figuresOnly(check) : check;
  });
}

async function throughputOf(job: InterleavedJob, sessions: readonly Warm[]) {
  if (job.plan.throughputRounds <= 0) return undefined;
  const alone: Outputs[][] = [];
  for (const s of sessions) alone.push([s.first, await s.run(1)]);
  return throughput(sessions, alone, {
    rounds: job.plan.throughputRounds,
    // latency comes first: throughput gets half the time budget on top
    budgetMs: job.plan.budgetMs / 2,
    concurrent: job.plan.concurrent,
    tolerance: job.files.tolerance,
  });
}
