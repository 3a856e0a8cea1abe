import { parentPort } from 'node:worker_threads';
import { runCase } from './case.js';

/** Runs cases sent by the conformance runner, one at a time, so a hang can be cut off from outside. */
parentPort!.on('message', (msg: { id: number; dir: string }) => {
  const start = performance.now();
  const outcome = runCase(msg.dir);
  parentPort!.postMessage({ id: msg.id, ...outcome, ms: performance.now() - start });
});
