import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from '../../src/ir/graph.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { familyCases, loadCase, mismatches } from '../helpers/conformance-cases.js';
import { runWasm } from './lower-linalg-support.js';

/**
 * The ONNX backend cases of the image family's ops (and Det), lowered, interpreted and rendered to
 * wasm. The conformance runner skips most signal cases in compiled mode because their sizes,
 * axes and lengths arrive as graph inputs (data-dependent shapes); here those inputs become
 * constants, as in deployed models, and nothing is folded, so every op's own kernel runs.
 */
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

function shapeInputs(graph: Graph): boolean[] {
  const node = graph.nodes[0]!;
  const shaping = new Set((SHAPE_INPUTS[node.op] ?? []).map((i) => node.inputs[i]));
  return graph.inputs.map((v) => shaping.has(v.name));
}

const names = familyCases(FAMILY);

if (names.length === 0) test('image-family conformance cases', { skip: 'no conformance data' }, () => {});
else {
  test(`${names.length} ONNX cases of the image family lower and match their expected outputs`, () => {
    const failures: string[] = [];
    for (const name of names) {
      try {
        const loaded = loadCase(name, { constant: shapeInputs, fold: false });
        const program = lowerGraph(loaded.graph, name);
        assert.ok(program.kernels.length > 0, `${name} lowers to kernels`);
        const runs = {
          interpreted: interpretProgram(program, planMemory(program), loaded.feeds),
          wasm: runWasm(program, loaded.feeds),
        };
        failures.push(...mismatches(loaded, runs));
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    assert.deepEqual(failures, []);
    // every case of the family that the reference passes is here, the signal ones included
    assert.ok(names.length >= 46, `${names.length} cases`);
  });
}
