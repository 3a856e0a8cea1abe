import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/driver/load-model.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { allclose, sharedModels } from '../helpers/shared-models.js';

/**
 * Real models whose elementwise work is varied (Erf-GELU, Pow/Sqrt/Div LayerNorm, Cast, Clip-ReLU6,
 * PRelu, Tanh), lowered by every family and run by the kernel-IR interpreter over the planned memory,
 * against the stored reference outputs within each folder's tolerance. The larger CNNs take seconds
 * in the interpreter and are left to the compiled model tests.
 */
const MODELS = new Set([
  'mlp_tiny',
  'bert_tiny',
  'bert_tiny_dynamic',
  'mobileface_v1_trained',
  'mobileface_v3_trained',
]);

const models = sharedModels('onnx').filter((m) => MODELS.has(m.folder));
if (models.length === 0)
  test('lowered ONNX models', { skip: '../shared/models/onnx is not present' }, () => {});

for (const model of models) {
  test(`onnx/${model.folder} lowered and interpreted matches its reference outputs`, () => {
    const tolerance = model.tolerance ?? { atol: 1e-4, rtol: 1e-4 };
    for (const c of model.cases()) {
      const ioConfig = parseIoConfig(JSON.stringify(c.ioConfig));
      const graph = loadModel(model.file, { ioConfig, requireStatic: true }).graph;
      const program = lowerGraph(graph, model.folder);
      const actual = interpretProgram(program, planMemory(program), c.inputs);
      for (const [name, expected] of c.outputs) {
        const got = actual.get(name);
        assert.ok(got, `output ${name} (case ${c.name})`);
        const diff = allclose(got, expected, tolerance.atol, tolerance.rtol);
        assert.equal(diff, undefined, `output ${name} of case ${c.name}: ${diff}`);
      }
    }
  });
}
