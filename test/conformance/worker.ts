import { parentPort } from 'node:worker_threads';
import { runCase, type Mode } from './case.js';
import type { AutoCast } from '../../src/options/auto-cast.js';

/** Runs cases sent by the conformance runner, one at a time, so a hang can be cut off from outside. */
interface CaseMessage {
  id: number;
  dir: string;
  name: string;
  mode: Mode;
  autoCast?: AutoCast;
}

parentPort!.on('message', async (msg: CaseMessage) => {
  const start = performance.now();
  const outcome = await runCase(msg.dir, msg.name, msg.mode, msg.autoCast);
  parentPort!.postMessage({ id: msg.id, ...outcome, ms: performance.now() - start });
});
