import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStaticModel } from '../../src/driver/load-model.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { lifetimes, planMemory, verifyMemoryPlan } from '../../src/backend/schedule/memory-plan.js';
import { sharedModels } from '../helpers/shared-models.js';

/**
 * The memory plan of every model in the test set: no two buffers live at the same step share a byte
 * (checked pair by pair here, independently of the planner's own verifier) but an in-place pair in
 * the one kernel that reads the input and writes the output, and the arena reuses memory.
 */
const WAIT_FOR_PARTITIONING = new Set(['detector_nms', 'control_flow']);
const models = sharedModels('onnx').filter((m) => !WAIT_FOR_PARTITIONING.has(m.folder));
if (models.length === 0)
  test('memory plans of the model set', { skip: '../shared/models/onnx is not present' }, () => {});

for (const model of models) {
  test(`memory plan of onnx/${model.folder}`, () => {
    const ioConfig = parseIoConfig(JSON.stringify(model.cases()[0]!.ioConfig));
    const program = lowerGraph(loadStaticModel(model.file, { ioConfig }).graph, model.folder);
    const plan = planMemory(program);
    verifyMemoryPlan(plan);
    const live = lifetimes(program);
    const placed = [...plan.arena].filter(([, p]) => p.bytes > 0);
    for (let i = 0; i < placed.length; i++) {
      const [an, a] = placed[i]!;
      const la = live.get(an)!;
      for (let j = i + 1; j < placed.length; j++) {
        const [bn, b] = placed[j]!;
        const lb = live.get(bn)!;
        const inPlace =
          (plan.inPlace?.get(an) === bn && lb.last === la.first) ||
          (plan.inPlace?.get(bn) === an && la.last === lb.first);
        const together = la.first <= lb.last && lb.first <= la.last && !inPlace;
        const shared = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        assert.ok(!(together && shared), `${an} and ${bn} are live together and share bytes`);
      }
    }
    const total = placed.reduce((n, [, p]) => n + p.bytes, 0);
    if (program.kernels.length > 4)
      assert.ok(plan.arenaBytes < total, `arena ${plan.arenaBytes} < ${total} (reuse)`);
  });
}
