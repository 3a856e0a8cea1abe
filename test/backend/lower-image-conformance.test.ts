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
import { runWasm } from './lower-linalg-support.js';

/**
 * The ONNX backend cases of the image family's ops (and Det), lowered, interpreted and rendered to
 * wasm. The conformance runner skips most signal cases in compiled mode because their sizes,
 * axes and lengths arrive as graph inputs (data-dependent shapes); here those inputs become
 * constants, as in deployed models, and nothing is folded, so every op's own kernel runs.
 */
const CASES = join(SHARED, 'onnx-conformance/node');
const FAMILY =
  /^test_(gridsample|affine_grid|roialign|dft|stft|hannwindow|hammingwindow|blackmanwindow|melweightmatrix|det_)/;

/** Inputs the output shape depends on, by op: they become constants. */
const SHAPE_INPUTS: Readonly<Record<string, readonly number[]>> = {
  DFT: [1, 2],
  STFT: [1, 3],
  AffineGrid: [1],
  HannWindow: [0],
  HammingWindow: [0],
  BlackmanWindow: [0],
  MelWeightMatrix: [0, 1, 2, 3, 4],
};

function readSet(dir: string, prefix: string): Tensor[] {
  const out: Tensor[] = [];
  for (let k = 0; existsSync(join(dir, `${prefix}_${k}.pb`)); k++) {
    out.push(tensorFromProto(decodeTensor(readFileSync(join(dir, `${prefix}_${k}.pb`))), {}));
  }
  return out;
}

function pinned(graph: Graph, inputs: readonly Tensor[]): { graph: Graph; feeds: Map<string, Tensor> } {
  const node = graph.nodes[0]!;
  const shaping = new Set((SHAPE_INPUTS[node.op] ?? []).map((i) => node.inputs[i]));
  const isConstant = graph.inputs.map((v) => shaping.has(v.name));
  const constants = graph.inputs.flatMap((v, i): [string, Tensor][] =>
    isConstant[i] ? [[v.name, inputs[i]!]] : [],
  );
  const runtime = graph.inputs.map((v, i) => ({ v, t: inputs[i]! })).filter((_, i) => !isConstant[i]);
  const withConstants: Graph = {
    ...graph,
    inputs: runtime.map((r) => r.v),
    initializers: new Map([...graph.initializers, ...constants]),
  };
  const pins = new Map(runtime.map((r) => [r.v.name, { shape: r.t.shape, dtype: r.t.dtype }]));
  const pinnedGraph = pinInputs(withConstants, { inputs: pins, dims: new Map(), outputs: undefined });
  return {
    graph: inferShapes(pinnedGraph, { fold: false }),
    feeds: new Map(runtime.map((r) => [r.v.name, r.t])),
  };
}

const passing = existsSync(CASES)
  ? new Set(readFileSync(join(ROOT, 'test/conformance/passing.txt'), 'utf8').split('\n'))
  : new Set<string>();
const names = existsSync(CASES)
  ? readdirSync(CASES).filter((n) => FAMILY.test(n) && !n.includes('_expanded') && passing.has(`node/${n}`))
  : [];

if (names.length === 0) test('image-family conformance cases', { skip: 'no conformance data' }, () => {});
else {
  test(`${names.length} ONNX cases of the image family lower and match their expected outputs`, () => {
    const failures: string[] = [];
    for (const name of names) {
      const dir = join(CASES, name);
      try {
        const model = importOnnxFile(join(dir, 'model.onnx'));
        const expected = readSet(join(dir, 'test_data_set_0'), 'output');
        const { graph, feeds } = pinned(model.graph, readSet(join(dir, 'test_data_set_0'), 'input'));
        const program = lowerGraph(graph, name);
        assert.ok(program.kernels.length > 0, `${name} lowers to kernels`);
        const runs = {
          interpreted: interpretProgram(program, planMemory(program), feeds),
          wasm: runWasm(program, feeds),
        };
        for (const [how, actual] of Object.entries(runs)) {
          graph.outputs.forEach((o, i) => {
            const diff = compareTensors(
              actual.get(o.name)!,
              expected[i]!,
              TOLERANCE_OVERRIDES[`node/${name}`]?.atol,
            );
            if (diff) failures.push(`${name} ${how} output ${i}: ${diff}`);
          });
        }
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    assert.deepEqual(failures, []);
    // every case of the family that the reference passes is here, the signal ones included
    assert.ok(names.length >= 46, `${names.length} cases`);
  });
}
