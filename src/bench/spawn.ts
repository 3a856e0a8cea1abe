/** The parent's side of the child protocol: fork a child, send it one job, await its one reply. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Job, Reply, ResultOf } from './protocol.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

export class JobFailed extends Error {}

export function runJob<K extends Job['kind']>(
  job: Job & { kind: K },
  timeoutMs: number,
): Promise<ResultOf[K]> {
  return new Promise((resolve, reject) => {
    // no inherited execArgv: a child of `node --test` must not become a test runner itself
    const child = fork(CHILD, [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => {
      settle(() =>
        reject(new JobFailed(`${job.kind} job timed out after ${(timeoutMs / 1000).toFixed(0)} s`)),
      );
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('message', (message: Reply<K>) =>
      settle(() => (message.ok ? resolve(message.result) : reject(new JobFailed(message.error)))),
    );
    child.on('exit', (code, signal) =>
      settle(() =>
        reject(
          new JobFailed(`${job.kind} job exited (${signal ?? `code ${code}`}) with no result${tail(stderr)}`),
        ),
      ),
    );
    child.send(job);
  });
}

function tail(stderr: string): string {
  const lines = stderr.trim().split('\n').slice(-3).join(' | ');
  return lines ? `: ${lines}` : '';
}
