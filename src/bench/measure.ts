/**
 * The measurements themselves, over any set of sessions: warm-up, then interleaved rounds (one run
 * of each session per round, in a fresh seeded-random order each round), then rounds of concurrent
 * runs. Interleaving is what makes the ratios fair on a machine that drifts (turbo, other processes,
 * a neighbour's GC): a slow spell hits every runtime in the same rounds instead of one runtime's
 * block. The order is shuffled, not rotated, because a rotation keeps each session's predecessor
 * fixed, and a predecessor's leftovers (onnxruntime-web's threads spin for tens of ms after a run)
 * would always land on the same session; and before each run the process waits until it is quiet.
 */
import { compareOutputs } from './check.js';
import type { Outputs } from './feeds.js';
import type { RunPlan, Throughput, Tolerance } from './protocol.js';
import { median } from './stats.js';

export interface Runnable {
  run(set: number): Promise<Outputs>;
}

export interface Timing {
  /** Wall milliseconds of each round's run. */
  readonly samples: number[];
  /** Process CPU time / wall time of each run. */
  readonly cores: number[];
}

export async function warmUp(sessions: readonly Runnable[], runs: number): Promise<Outputs[]> {
  const first: Outputs[] = [];
  for (const s of sessions) {
    first.push(await s.run(0));
    for (let i = 1; i < runs; i++) await s.run(0);
  }
  return first;
}

export interface InterleaveOptions {
  readonly now?: () => number;
  /** Awaited before each run (default: quiet()). */
  readonly settle?: () => Promise<void>;
  readonly seed?: number;
}

/** Rounds until plan.maxRounds, or until plan.budgetMs has passed once plan.minRounds are done. */
export async function interleave(
  sessions: readonly Runnable[],
  plan: Pick<RunPlan, 'minRounds' | 'maxRounds' | 'budgetMs'>,
  options: InterleaveOptions = {},
): Promise<Timing[]> {
  const now = options.now ?? (() => performance.now());
  const settle = options.settle ?? quiet;
  const random = seeded(options.seed ?? 1);
  const timings: Timing[] = sessions.map(() => ({ samples: [], cores: [] }));
  const start = now();
  for (let round = 0; round < plan.maxRounds; round++) {
    if (round >= plan.minRounds && now() - start >= plan.budgetMs) break;
    for (const i of shuffled(sessions.length, random)) {
      await settle();
      const cpu = process.cpuUsage();
      const t0 = now();
      await sessions[i]!.run(0);
      const ms = now() - t0;
      const used = process.cpuUsage(cpu);
      timings[i]!.samples.push(ms);
      timings[i]!.cores.push(ms > 0 ? (used.user + used.system) / 1000 / ms : 0);
    }
  }
  return timings;
}

/** 0..n-1 in a random order (Fisher-Yates). */
export function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** A small seeded generator (mulberry32): the same seed, the same orders. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Waits until this process has been idle for a 5 ms slice (under 1 ms of CPU in it), at most
 * `maxMs`: thread pools that spin after a run have gone to sleep, so the next run starts alone.
 */
export async function quiet(maxMs = 200): Promise<void> {
  const start = performance.now();
  while (performance.now() - start < maxMs) {
    const cpu = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 5));
    const used = process.cpuUsage(cpu);
    if (used.user + used.system < 1000) return;
  }
}

/**
 * Items per second with `concurrent` run() calls in flight on one loaded model (the benchmark models
 * fix their batch at 1, so this is the batch-8 figure), input sets alternating; each result must
 * equal, within tolerance, what its input gives alone: concurrent calls must queue, not collide.
 */
export async function throughput(
  sessions: readonly Runnable[],
  alone: readonly (readonly Outputs[])[],
  options: {
    readonly rounds: number;
    /** No round starts after this many ms, once one is done. */
    readonly budgetMs?: number;
    readonly concurrent: number;
    readonly tolerance: Tolerance;
    readonly settle?: () => Promise<void>;
  },
): Promise<Throughput[]> {
  const rates: number[][] = sessions.map(() => []);
  const safe = sessions.map(() => true);
  const random = seeded(2);
  const start = performance.now();
  for (let round = 0; round < options.rounds; round++) {
    if (round > 0 && performance.now() - start >= (options.budgetMs ?? Infinity)) break;
    for (const i of shuffled(sessions.length, random)) {
      await (options.settle ?? quiet)();
      const sets = Array.from({ length: options.concurrent }, (_, j) => j % 2);
      const t0 = performance.now();
      const outs = await Promise.all(sets.map((set) => sessions[i]!.run(set)));
      const ms = performance.now() - t0;
      rates[i]!.push((options.concurrent * 1000) / ms);
      outs.forEach((out, j) => {
        const want = alone[i]![sets[j]!]!;
        if (compareOutputs(out, want, options.tolerance, 'reference').status !== 'pass') safe[i] = false;
      });
    }
  }
  return sessions.map((_, i) => ({
    concurrent: options.concurrent,
    itemsPerSecond: median(rates[i]!),
    safe: safe[i]!,
  }));
}
