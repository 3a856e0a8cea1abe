import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStaticModel } from '../../src/driver/load-model.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { allclose, sharedModels } from '../helpers/shared-models.js';
import { runWasm } from './lower-reduce-support.js';

/**
 * Real models whose graphs use this family's ops (Softmax and ReduceMean in BERT, ReduceSum in an L2
 * normalization, BatchNormalization), lowered to kernel IR, interpreted over the planned memory and
 * rendered to wasm, against the stored reference outputs within each model's tolerance.
 */
const MODELS: Record<string, readonly string[]> = {
  bert_tiny: ['Softmax', 'ReduceMean'],
  bert_tiny_dynamic: ['Softmax', 'ReduceMean'],
  mobileface_v1_trained: ['ReduceSum'],
  mobileface_v3_trained: ['BatchNormalization'],
};

const models = sharedModels('onnx').filter((m) => m.folder in MODELS);
if (models.length === 0)
  test('reduce-family models', { skip: '../shared/models/onnx is not present' }, () => {});

for (const model of models) {
  test(`onnx/${model.folder} lowers and interprets to its reference output`, () => {
    for (const c of model.cases()) {
      const m = loadStaticModel(model.file, { ioConfig: parseIoConfig(JSON.stringify(c.ioConfig)) });
      const ops = new Set(m.graph.nodes.map((n) => n.op));
      for (const op of MODELS[model.folder]!) assert.ok(ops.has(op), `${model.folder} uses ${op}`);
      const program = lowerGraph(m.graph, model.folder);
      const runs = {
        interpreted: interpretProgram(program, planMemory(program), c.inputs),
        wasm: runWasm(program, c.inputs, 2),
      };
      assert.ok(model.tolerance, 'model has a tolerance');
      for (const [how, outputs] of Object.entries(runs)) {
        for (const [name, expected] of c.outputs) {
          const actual = outputs.get(name);
          assert.ok(actual, `output ${name} (case ${c.name})`);
          const diff = allclose(actual, expected, model.tolerance.atol, model.tolerance.rtol);
          assert.equal(diff, undefined, `${how} output ${name} of case ${c.name}: ${diff}`);
        }
      }
    }
  });
}
