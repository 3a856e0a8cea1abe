import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { familyCases, loadCase, mismatches } from '../helpers/conformance-cases.js';
import { runWasm } from './lower-linalg-support.js';

/**
 * The ONNX backend cases of the recurrent family, lowered to kernel IR, interpreted over the planned
 * memory and rendered to wasm, twice: with every input fed at run time (as the cases are written),
 * and with every input but the first an initializer, as weights are in deployed models (repacked
 * R^T and W^T, folded biases, constant sequence lengths). Only cases the reference passes are run.
 */
const FAMILY = /^test_(lstm|gru|rnn|simple_rnn|linear_attention|causal_conv_with_state)/;
const names = familyCases(FAMILY);

if (names.length === 0) test('recurrent-family conformance cases', { skip: 'no conformance data' }, () => {});
else {
  test(`${names.length} ONNX cases of the recurrent family lower and match their expected outputs`, () => {
    const failures: string[] = [];
    for (const name of names) {
      for (const constants of [false, true]) {
        try {
          const loaded = loadCase(name, {
            constant: (_, inputs) => inputs.map((_t, i) => constants && i > 0),
            fold: false,
          });
          const program = lowerGraph(loaded.graph, name);
          const runs = {
            interpreted: interpretProgram(program, planMemory(program), loaded.feeds),
            wasm: runWasm(program, loaded.feeds),
          };
          failures.push(...mismatches(loaded, runs, `${name} (constants: ${constants})`));
        } catch (e) {
          failures.push(`${name} (constants: ${constants}): ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });
}
