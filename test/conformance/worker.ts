import { parentPort } from 'node:worker_threads';
import { runCase, type Mode } from './case.js';

/** Runs cases sent by the conformance runner, one at a time, so a hang can be cut off from outside. */
parentPort!.on('message', async (msg: { id: number; dir: string; name: string; mode: Mode }) => {
  const start = performance.now();
  const outcome = await runCase(msg.dir, msg.name, msg.mode);
  parentPort!.postMessage({ id: msg.id, ...outcome, ms: performance.now() - start });
});
