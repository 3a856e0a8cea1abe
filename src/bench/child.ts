/**
 * Entry of a bench child process: one job in over IPC, one reply out, then exit (onnxruntime-web's
 * worker threads would otherwise keep the process alive).
 */
import { setFlagsFromString } from 'node:v8';
import type { Job, Reply, ResultOf } from './protocol.js';

// Node 20's V8 compiles relaxed-SIMD wasm only with this flag, set before any module is compiled;
// every child sets it, so all runtimes run under the same engine flags.
setFlagsFromString('--experimental-wasm-relaxed-simd');

async function dispatch(job: Job): Promise<ResultOf[Job['kind']]> {
  switch (job.kind) {
    case 'compile':
      return (await import('./compile-job.js')).runCompile(job);
    case 'interleaved':
      return (await import('./interleaved-job.js')).runInterleaved(job);
    case 'cold':
      return (await import('./cold-job.js')).runCold(job);
  }
}

process.once('message', (job: Job) => {
  dispatch(job).then(
    (result) => reply({ ok: true, result }),
    (e: unknown) => reply({ ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});

function reply(message: Reply<Job['kind']>): void {
  process.send!(message, () => process.exit(0));
}
