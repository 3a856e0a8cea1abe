/**
 * Runs one compile in a forked child (worker.ts) under the service's limits. Worker threads would
 * share the service's process: their resource limits cover the JavaScript heap but not
 * ArrayBuffers (weights, wasm memories), and a native crash would take the service down. A child
 * gets --max-old-space-size for its heap and, on Linux, a watch on its resident memory; it is
 * killed past the memory or time limit, and whatever way it ends, only its job fails.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Stage } from '../driver/compile.js';
import type { WireError, WorkerMessage, WorkerRequest } from './worker.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

export interface CompileLimits {
  /** Wall time of one compile, from fork to result. */
  readonly timeoutMs: number;
  /** Memory of one compile: its V8 heap limit and its resident-size limit. */
  readonly memoryMiB: number;
}

export type CompileOutcome =
  | { readonly ok: true; readonly kind: 'neff' | 'onnx'; readonly bytes: number; readonly summary: unknown }
  | { readonly ok: false; readonly error: WireError };

const WATCH_MS = 100;

export function compileInChild(
  request: WorkerRequest,
  limits: CompileLimits,
  onStage: (stage: Stage) => void,
): Promise<CompileOutcome> {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], {
      execArgv: [`--max-old-space-size=${Math.max(16, Math.floor(limits.memoryMiB))}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let result: CompileOutcome | undefined;
    let killedFor: WireError | undefined;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      // the tail says why a child died (a V8 out-of-memory report, a native abort)
      stderr = (stderr + s).slice(-4000);
    });
    const kill = (error: WireError): void => {
      if (killedFor || result) return;
      killedFor = error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () =>
        kill({
          code: 'NCC_LIMIT_EXCEEDED',
          message: `the compile took longer than the service's limit of ${limits.timeoutMs / 1000} s`,
          hint: 'compile locally, or ask for a service with a longer --timeout',
        }),
      limits.timeoutMs,
    );
    const watch = setInterval(() => {
      const rss = residentBytes(child);
      if (rss !== undefined && rss > limits.memoryMiB * 2 ** 20) kill(memoryError(limits.memoryMiB));
    }, WATCH_MS);
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'stage') onStage(m.stage);
      else if (m.type === 'done') result = { ok: true, kind: m.kind, bytes: m.bytes, summary: m.summary };
      else result = { ok: false, error: m.error };
    });
    child.on('error', (e) => {
      killedFor ??= { code: 'NCC_INTERNAL', message: `the compile process failed: ${e.message}` };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      if (result) return resolve(result);
      if (killedFor) return resolve({ ok: false, error: killedFor });
      if (/heap out of memory|Allocation failed/i.test(stderr))
        return resolve({ ok: false, error: memoryError(limits.memoryMiB) });
      resolve({
        ok: false,
        error: {
          code: 'NCC_INTERNAL',
          message: `the compile process ended without a result (${signal ? `signal ${signal}` : `exit code ${code}`})${lastLine(stderr)}`,
          hint: 'this is a bug in neuron-cc; please report it with the model',
        },
      });
    });
    child.send(request);
  });
}

function memoryError(mib: number): WireError {
  return {
    code: 'NCC_LIMIT_EXCEEDED',
    message: `the compile needed more than the service's memory limit of ${mib} MiB`,
    hint: 'compile locally, or ask for a service with a larger --compile-memory',
  };
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  return line ? `: ${line.slice(0, 300)}` : '';
}

/** The child's resident set size from /proc (Linux); undefined where there is none. */
function residentBytes(child: ChildProcess): number | undefined {
  if (child.pid === undefined || process.platform !== 'linux') return undefined;
  try {
    const pages = Number(readFileSync(`/proc/${child.pid}/statm`, 'utf8').split(' ')[1]);
    return Number.isFinite(pages) ? pages * 4096 : undefined;
  } catch {
    return undefined;
  }
}
