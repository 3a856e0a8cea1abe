/**
 * Compile jobs: a job's id is its cache key, so identical requests share one job (and one compile)
 * whether it is queued, running or done, and a job finished before a restart is still found, in the
 * cache. Compiles wait in a FIFO queue and at most `concurrency` run at once, each in its own child
 * process. Failures are kept in memory only, never in the cache.
 */
import type { Stage } from '../driver/compile.js';
import { ArtifactCache, type ArtifactKind, type ArtifactMeta } from './cache.js';
import { compileInChild, type CompileLimits } from './compile-process.js';
import type { Metrics } from './metrics.js';
import type { CompileJobOptions } from './options.js';
import type { WireError } from './worker.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface StageProgress {
  readonly name: string;
  state: 'pending' | 'running' | 'done';
  /** Milliseconds spent in the stage so far (a partitioned compile passes each stage once per segment). */
  ms: number;
  /** How many times the stage was entered. */
  count: number;
}

export interface Job {
  readonly id: string;
  state: JobState;
  /** Answered from the cache, without compiling. */
  readonly cached: boolean;
  readonly stages: StageProgress[];
  readonly createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  error?: WireError;
  artifact?: { readonly kind: ArtifactKind; readonly bytes: number };
  summary?: unknown;
  /** Internal: the uploaded files and options, until the compile ends. */
  pending?: { readonly dir: string; readonly options: CompileJobOptions };
  stageStarted?: number;
}

const NEFF_STAGES: readonly Stage[] = ['import', 'optimize', 'lower', 'plan', 'codegen', 'pack'];
/** Finished jobs kept in memory for status queries (the cache keeps their results regardless). */
const KEEP_FINISHED = 1000;

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running = 0;

  constructor(
    private readonly cache: ArtifactCache,
    private readonly limits: CompileLimits,
    private readonly concurrency: number,
    private readonly metrics: Metrics,
  ) {}

  /**
   * A request's job. The upload folder becomes the job's (and is removed when the compile ends) or,
   * when the result is cached or an identical job is under way, is removed at once.
   */
  submit(
    key: string,
    dir: string,
    options: CompileJobOptions,
  ): { job: Job; answer: 'cache' | 'joined' | 'new' } {
    const existing = this.jobs.get(key);
    if (existing && reusable(existing, this.cache)) {
      this.cache.removeQuietly(dir);
      if (existing.state === 'done') this.metrics.cacheHits++;
      else this.metrics.joined++;
      return { job: existing, answer: existing.state === 'done' ? 'cache' : 'joined' };
    }
    const hit = this.cache.lookup(key);
    if (hit) {
      this.cache.removeQuietly(dir);
      this.metrics.cacheHits++;
      return { job: this.remember(doneJob(key, hit.meta)), answer: 'cache' };
    }
    this.metrics.cacheMisses++;
    const job: Job = {
      id: key,
      state: 'queued',
      cached: false,
      stages: (options.partition ? [] : NEFF_STAGES).map((name) => ({
        name,
        state: 'pending',
        ms: 0,
        count: 0,
      })),
      createdAt: Date.now(),
      pending: { dir, options },
    };
    this.remember(job);
    this.queue.push(job);
    this.pump();
    return { job, answer: 'new' };
  }

  /** A job by id: in memory, or finished before a restart and found in the cache. */
  get(id: string): Job | undefined {
    const job = this.jobs.get(id);
    if (job) return job;
    const hit = this.cache.lookup(id);
    return hit ? this.remember(doneJob(id, hit.meta)) : undefined;
  }

  /** Where a done job's artifact is. */
  artifactPath(id: string): string | undefined {
    return this.cache.lookup(id)?.path;
  }

  /** 1-based place in the queue of a queued job. */
  position(job: Job): number | undefined {
    const i = this.queue.indexOf(job);
    return i < 0 ? undefined : i + 1;
  }

  counts(): Record<JobState, number> {
    const out: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const job of this.jobs.values()) out[job.state]++;
    return out;
  }

  /** Resolves when nothing is queued or running (for an orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running > 0 || this.queue.length > 0) await new Promise((r) => setTimeout(r, 50));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    const { dir, options } = job.pending!;
    const output = this.cache.newTempPath(job.id);
    job.state = 'running';
    job.startedAt = Date.now();
    const outcome = await compileInChild({ dir, options, output }, this.limits, (stage) =>
      enterStage(job, stage),
    );
    enterStage(job, undefined);
    const seconds = (Date.now() - job.startedAt) / 1000;
    try {
      if (outcome.ok) {
        const meta: ArtifactMeta = {
          kind: outcome.kind,
          bytes: outcome.bytes,
          summary: outcome.summary,
          compileSeconds: seconds,
        };
        this.cache.store(job.id, output, meta);
        job.artifact = { kind: outcome.kind, bytes: outcome.bytes };
        job.summary = outcome.summary;
        job.state = 'done';
      } else {
        job.error = outcome.error;
        job.state = 'failed';
      }
    } catch (e) {
      job.error = { code: 'NCC_INTERNAL', message: `cannot store the artifact: ${(e as Error).message}` };
      job.state = 'failed';
    } finally {
      this.cache.removeQuietly(output);
      this.cache.removeQuietly(dir);
      delete job.pending;
    }
    job.finishedAt = Date.now();
    this.metrics.compiled(job.state === 'done' ? 'done' : 'failed', seconds);
  }

  private remember(job: Job): Job {
    this.jobs.set(job.id, job);
    if (this.jobs.size > KEEP_FINISHED) {
      for (const [id, j] of this.jobs) {
        if (this.jobs.size <= KEEP_FINISHED) break;
        if (j.state === 'done' || j.state === 'failed') this.jobs.delete(id);
      }
    }
    return job;
  }
}

/**
 * Whether an identical request may share `job`. A failure the model or options caused repeats on
 * every compile, so it is shared; a failure of the service (a crash, a limit) may not repeat.
 */
function reusable(job: Job, cache: ArtifactCache): boolean {
  if (job.state === 'done') return cache.lookup(job.id) !== undefined;
  if (job.state === 'failed') return !['NCC_INTERNAL', 'NCC_LIMIT_EXCEEDED'].includes(job.error?.code ?? '');
  return true;
}

function doneJob(id: string, meta: ArtifactMeta): Job {
  const now = Date.now();
  return {
    id,
    state: 'done',
    cached: true,
    stages: [],
    createdAt: now,
    finishedAt: now,
    artifact: { kind: meta.kind, bytes: meta.bytes },
    summary: meta.summary,
  };
}

/** Closes the running stage and opens `stage` (none: the compile ended). */
function enterStage(job: Job, stage: Stage | undefined): void {
  const now = performance.now();
  const current = job.stages.find((s) => s.state === 'running');
  if (current) {
    current.ms += now - (job.stageStarted ?? now);
    current.state = 'done';
  }
  if (stage === undefined) return;
  let next = job.stages.find((s) => s.name === stage);
  if (!next) job.stages.push((next = { name: stage, state: 'pending', ms: 0, count: 0 }));
  next.state = 'running';
  next.count++;
  job.stageStarted = now;
}
