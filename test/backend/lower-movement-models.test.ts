import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStaticModel } from '../../src/driver/load-model.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { allclose, sharedModels } from '../helpers/shared-models.js';

/**
 * The shared ONNX models whose graphs keep movement ops after folding (embedding Gather, attention
 * Transposes, Slice, Expand, Concat), lowered whole and run by the kernel interpreter over the
 * planned memory, against the stored reference outputs: every case of each model.
 */
const MODELS: Record<string, RegExp> = {
  bert_tiny: /^(gather|transpose|slice)_/,
  bert_tiny_dynamic: /^(gather|transpose|expand)_/,
  squeezenet1_1: /^concat_/,
  lffd_license_plate_small_trained: /^slice_/,
};

const models = sharedModels('onnx').filter((m) => m.folder in MODELS);
if (models.length === 0)
  test('movement lowering on shared models', { skip: '../shared/models/onnx is not present' }, () => {});

for (const model of models) {
  test(`lowered onnx/${model.folder}`, () => {
    for (const c of model.cases()) {
      const m = loadStaticModel(model.file, { ioConfig: parseIoConfig(JSON.stringify(c.ioConfig)) });
      const program = lowerGraph(m.graph, model.folder);
      assert.ok(
        program.kernels.some((k) => MODELS[model.folder]!.test(k.name)),
        'the model exercises movement kernels',
      );
      const outputs = interpretProgram(program, planMemory(program), c.inputs);
      const tol = model.tolerance!;
      for (const [name, expected] of c.outputs) {
        const actual = outputs.get(name);
        assert.ok(actual, `output ${name} (case ${c.name})`);
        const diff = allclose(actual, expected, tol.atol, tol.rtol);
        assert.equal(diff, undefined, `output ${name} of case ${c.name}: ${diff}`);
      }
    }
  });
}
