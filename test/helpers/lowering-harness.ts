import assert from 'node:assert/strict';
import type { Attrs, Graph, Node } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { getNumber } from '../../src/ir/tensor.js';
import '../../src/ops/all.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import type { Program } from '../../src/backend/schedule/program.js';

/**
 * Lowering tests: a graph (often one node) is lowered to kernel IR, planned, and interpreted over one
 * memory; the outputs must match the op's reference implementation.
 */
export interface GraphInput {
  readonly name: string;
  readonly value: Tensor;
  /** A constant (initializer) rather than a runtime input. */
  readonly constant?: boolean;
}

export function nodeGraph(
  op: string,
  inputs: readonly (GraphInput | undefined)[],
  attrs: Attrs = {},
  outputCount = 1,
): Graph {
  const node: Node = {
    name: `${op}_0`,
    op,
    domain: '',
    inputs: inputs.map((i) => i?.name ?? ''),
    outputs: Array.from({ length: outputCount }, (_, i) => `out${i}`),
    attrs,
  };
  return graphOf(
    [node],
    inputs.filter((i): i is GraphInput => i !== undefined),
    node.outputs,
  );
}

export function graphOf(
  nodes: readonly Node[],
  inputs: readonly GraphInput[],
  outputs: readonly string[],
): Graph {
  const g: Graph = {
    name: 'test',
    inputs: inputs
      .filter((i) => !i.constant)
      .map((i) => ({ name: i.name, type: { dtype: i.value.dtype, shape: i.value.shape } })),
    outputs: outputs.map((name) => ({ name, type: { dtype: 'float32', shape: undefined } })),
    initializers: new Map(inputs.filter((i) => i.constant).map((i) => [i.name, i.value])),
    nodes,
    valueTypes: new Map(),
  };
  // no folding: the node under test must be lowered even when all its inputs are constants
  return inferShapes(g, { fold: false });
}

export function lower(graph: Graph): Program {
  return lowerGraph(graph, 'test');
}

/** One node through lowering: inputs (runtime or constant), attributes, and the reference to match. */
export function checkLowering(
  op: string,
  inputs: readonly (GraphInput | undefined)[],
  attrs: Attrs = {},
  options: { outputs?: number; tolerance?: { atol: number; rtol: number } } = {},
): Program {
  const graph = nodeGraph(op, inputs, attrs, options.outputs ?? 1);
  const present = inputs.filter((i): i is GraphInput => i !== undefined);
  return checkLoweringWith(graph, feedsOf(present), options.tolerance);
}

/** Lowers, plans and interprets the graph; asserts every output matches the reference interpreter. */
export function checkLoweringWith(
  graph: Graph,
  feeds: ReadonlyMap<string, Tensor>,
  tolerance: { atol: number; rtol: number } = { atol: 1e-6, rtol: 1e-5 },
): Program {
  const expected = runGraph(graph, feeds);
  const program = lower(graph);
  const plan = planMemory(program);
  const actual = interpretProgram(program, plan, feeds);
  for (const [name, want] of expected) {
    const got = actual.get(name);
    assert.ok(got, `output ${name}`);
    assert.equal(got.dtype, want.dtype, `dtype of ${name}`);
    assert.deepEqual([...got.shape], [...want.shape], `shape of ${name}`);
    for (let i = 0; i < want.data.length; i++) {
      const a = getNumber(got, i);
      const e = getNumber(want, i);
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      if (a === e) continue;
      const ok = Math.abs(a - e) <= tolerance.atol + tolerance.rtol * Math.abs(e);
      assert.ok(ok, `${name}[${i}]: lowered ${a}, reference ${e}`);
    }
  }
  return program;
}

/** Graph inputs from tensors: the graph's runtime inputs in order. */
export function feedsOf(inputs: readonly GraphInput[]): Map<string, Tensor> {
  return new Map(inputs.filter((i) => !i.constant).map((i) => [i.name, i.value]));
}
