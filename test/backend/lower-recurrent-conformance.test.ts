import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/ops/all.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { decodeTensor } from '../../src/frontends/onnx/onnx-proto.js';
import { tensorFromProto } from '../../src/frontends/onnx/tensor-proto.js';
import type { Graph } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { pinInputs } from '../../src/passes/pin-inputs.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { compareTensors } from '../conformance/compare.js';
import { ROOT, SHARED } from '../helpers/shared-models.js';
import { runWasm } from './lower-linalg-support.js';

/**
 * The ONNX backend cases of the recurrent family, lowered to kernel IR, interpreted over the planned
 * memory and rendered to wasm, twice: with every input fed at run time (as the cases are written),
 * and with every input but the first an initializer, as weights are in deployed models (repacked
 * R^T and W^T, folded biases, constant sequence lengths). Only cases the reference passes are run.
 */
const CASES = join(SHARED, 'onnx-conformance/node');
const FAMILY = /^test_(lstm|gru|rnn|simple_rnn|linear_attention|causal_conv_with_state)/;

function readSet(dir: string, prefix: string): Tensor[] {
  const out: Tensor[] = [];
  for (let k = 0; existsSync(join(dir, `${prefix}_${k}.pb`)); k++) {
    out.push(tensorFromProto(decodeTensor(readFileSync(join(dir, `${prefix}_${k}.pb`))), {}));
  }
  return out;
}

/** The graph with static input shapes; inputs after the first become initializers when asked. */
function pinned(
  graph: Graph,
  inputs: readonly Tensor[],
  constants: boolean,
): { graph: Graph; feeds: Map<string, Tensor> } {
  const runtime = graph.inputs.map((v, i) => ({ v, t: inputs[i]! })).filter((_, i) => !constants || i === 0);
  const fixed = constants
    ? graph.inputs.slice(1).map((v, i): [string, Tensor] => [v.name, inputs[i + 1]!])
    : [];
  const withConstants: Graph = {
    ...graph,
    inputs: runtime.map((r) => r.v),
    initializers: new Map([...graph.initializers, ...fixed]),
  };
  const pins = new Map(runtime.map((r) => [r.v.name, { shape: r.t.shape, dtype: r.t.dtype }]));
  return {
    graph: inferShapes(pinInputs(withConstants, { inputs: pins, dims: new Map(), outputs: undefined }), {
      fold: false,
    }),
    feeds: new Map(runtime.map((r) => [r.v.name, r.t])),
  };
}

const passing = existsSync(CASES)
  ? new Set(readFileSync(join(ROOT, 'test/conformance/passing.txt'), 'utf8').split('\n'))
  : new Set<string>();
const names = existsSync(CASES)
  ? readdirSync(CASES).filter((n) => FAMILY.test(n) && !n.includes('_expanded') && passing.has(`node/${n}`))
  : [];

if (names.length === 0) test('recurrent-family conformance cases', { skip: 'no conformance data' }, () => {});
else {
  test(`${names.length} ONNX cases of the recurrent family lower and match their expected outputs`, () => {
    const failures: string[] = [];
    for (const name of names) {
      const dir = join(CASES, name);
      for (const constants of [false, true]) {
        try {
          const model = importOnnxFile(join(dir, 'model.onnx'));
          const expected = readSet(join(dir, 'test_data_set_0'), 'output');
          const inputs = readSet(join(dir, 'test_data_set_0'), 'input');
          const { graph, feeds } = pinned(model.graph, inputs, constants);
          const program = lowerGraph(graph, name);
          const runs = {
            interpreted: interpretProgram(program, planMemory(program), feeds),
            wasm: runWasm(program, feeds),
          };
          for (const [how, actual] of Object.entries(runs)) {
            graph.outputs.forEach((o, i) => {
              const diff = compareTensors(actual.get(o.name)!, expected[i]!);
              if (diff) failures.push(`${name} (constants: ${constants}) ${how} output ${i}: ${diff}`);
            });
          }
        } catch (e) {
          failures.push(`${name} (constants: ${constants}): ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });
}
