/**
 * The child's side of a cold-start job, in a fresh process: import the runtime (timed apart), then
 * time what a user waits for before the first answer (file read, load or session creation, first
 * inference), run a few more times, and read the process's peak resident memory.
 */
import { readFeeds } from './feeds.js';
import type { ColdJob, ColdResult } from './protocol.js';
import { adapters } from './runtimes.js';

export async function runCold(job: ColdJob): Promise<ColdResult> {
  const t0 = performance.now();
  const adapter = (await adapters([job.runtime])).get(job.runtime)!;
  const importMs = performance.now() - t0;
  if (adapter instanceof Error) throw adapter;
  const feeds = readFeeds(job.files.inputs);
  const t1 = performance.now();
  const session = await adapter.open({ files: job.files, threads: job.threads, feeds: [feeds] });
  await session.run(0);
  const coldMs = performance.now() - t1;
  for (let i = 0; i < job.runs; i++) await session.run(0);
  // maxRSS is in KiB; it covers every thread, native allocations and wasm memories alike
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  await session.dispose();
  return {
    runtime: job.runtime,
    threads: job.threads,
    backend: session.backend,
    importMs,
    coldMs,
    peakRssBytes,
  };
}
