import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/tensor.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { familyCases, loadCase, mismatches } from '../helpers/conformance-cases.js';
import { runWasm } from './lower-reduce-support.js';

/**
 * The ONNX backend cases of this family's ops, lowered to kernel IR, interpreted over the planned
 * memory and rendered to wasm. Small 1-D inputs after the first (axes, k, scales, sizes, roi,
 * parameters) become constants, as they are in deployed models, so the cases that feed them at run
 * time still compile to static shapes. Only cases the reference interpreter passes are run.
 */
const FAMILY =
  /^test_(reduce|argm|softmax|logsoftmax|hardmax|batchnorm|instancenorm|group_norm|layer_norm|rms_norm|lpnorm|mvn|lrn|cumsum|cumprod|top_k|resize|upsample|attention|rotary|nllloss|sce)/;

const small = (t: Tensor, i: number) =>
  i > 0 && t.shape.length <= 1 && ['int64', 'int32', 'float32'].includes(t.dtype);
const names = familyCases(FAMILY);

if (names.length === 0) test('reduce-family conformance cases', { skip: 'no conformance data' }, () => {});
else {
  test(`${names.length} ONNX cases of the reduce family lower and match their expected outputs`, () => {
    const failures: string[] = [];
    for (const name of names) {
      try {
        const loaded = loadCase(name, { constant: (_, inputs) => inputs.map(small), fold: true });
        const program = lowerGraph(loaded.graph, name);
        const runs = {
          interpreted: interpretProgram(program, planMemory(program), loaded.feeds),
          wasm: runWasm(program, loaded.feeds, 0),
        };
        failures.push(...mismatches(loaded, runs));
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}
