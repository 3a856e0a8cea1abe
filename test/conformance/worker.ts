import { parentPort } from 'node:worker_threads';
import { runCase } from './case.js';

/** Runs cases sent by the conformance runner, one at a time, so a hang can be cut off from outside. */
parentPort!.on('message', (msg: { id: number; dir: string; name: string }) => {
  const start = performance.now();
  const outcome = runCase(msg.dir, msg.name);
  parentPort!.postMessage({ id: msg.id, ...outcome, ms: performance.now() - start });
});
