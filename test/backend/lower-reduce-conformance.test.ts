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
import { TOLERANCE_OVERRIDES } from '../conformance/tolerances.js';
import { ROOT, SHARED } from '../helpers/shared-models.js';
import { runWasm } from './lower-reduce-support.js';

/**
 * The ONNX backend cases of this family's ops, lowered to kernel IR, interpreted over the planned
 * memory and rendered to wasm. Small 1-D inputs after the first (axes, k, scales, sizes, roi,
 * parameters) become constants, as they are in deployed models, so the cases that feed them at run
 * time still compile to static shapes. Only cases the reference interpreter passes are run.
 */
const CASES = join(SHARED, 'onnx-conformance/node');
const FAMILY =
  /^test_(reduce|argm|softmax|logsoftmax|hardmax|batchnorm|instancenorm|group_norm|layer_norm|rms_norm|lpnorm|mvn|lrn|cumsum|cumprod|top_k|resize|upsample|attention|rotary|nllloss|sce)/;

function readSet(dir: string, prefix: string): Tensor[] {
  const out: Tensor[] = [];
  for (let k = 0; existsSync(join(dir, `${prefix}_${k}.pb`)); k++) {
    out.push(tensorFromProto(decodeTensor(readFileSync(join(dir, `${prefix}_${k}.pb`))), {}));
  }
  return out;
}

function pinned(graph: Graph, inputs: readonly Tensor[]): { graph: Graph; feeds: Map<string, Tensor> } {
  const small = (t: Tensor, i: number) =>
    i > 0 && t.shape.length <= 1 && ['int64', 'int32', 'float32'].includes(t.dtype);
  const constants = graph.inputs.flatMap((v, i): [string, Tensor][] =>
    small(inputs[i]!, i) ? [[v.name, inputs[i]!]] : [],
  );
  const runtime = graph.inputs.map((v, i) => ({ v, t: inputs[i]! })).filter((_, i) => !small(inputs[i]!, i));
  const withConstants: Graph = {
    ...graph,
    inputs: runtime.map((r) => r.v),
    initializers: new Map([...graph.initializers, ...constants]),
  };
  const pins = new Map(runtime.map((r) => [r.v.name, { shape: r.t.shape, dtype: r.t.dtype }]));
  return {
    graph: inferShapes(pinInputs(withConstants, { inputs: pins, dims: new Map(), outputs: undefined }), {
      fold: true,
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

if (names.length === 0) test('reduce-family conformance cases', { skip: 'no conformance data' }, () => {});
else {
  test(`${names.length} ONNX cases of the reduce family lower and match their expected outputs`, () => {
    const failures: string[] = [];
    for (const name of names) {
      const dir = join(CASES, name);
      try {
        const model = importOnnxFile(join(dir, 'model.onnx'));
        const expected = readSet(join(dir, 'test_data_set_0'), 'output');
        const { graph, feeds } = pinned(model.graph, readSet(join(dir, 'test_data_set_0'), 'input'));
        const program = lowerGraph(graph, name);
        const runs = {
          interpreted: interpretProgram(program, planMemory(program), feeds),
          wasm: runWasm(program, feeds, 0),
        };
        for (const [how, actual] of Object.entries(runs)) {
          graph.outputs.forEach((o, i) => {
            const diff = compareTensors(actual.get(o.name)!, expected[i]!, TOLERANCE_OVERRIDES[name]?.atol);
            if (diff) failures.push(`${name} ${how} output ${i}: ${diff}`);
          });
        }
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}
