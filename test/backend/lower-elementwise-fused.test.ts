import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Graph, Node } from '../../src/ir/graph.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import '../../src/backend/lower/all.js';
import { mapOps } from '../../src/backend/lower/elementwise/map-registry.js';
import { FUSABLE_ELEMENTWISE } from '../../src/ops/elementwise/fused.js';
import { fuseElementwise } from '../../src/passes/fuse-elementwise.js';
import { graphOf, type GraphInput } from '../helpers/lowering-harness.js';
import { checkGraph, prng, random } from './lower-reduce-support.js';

/**
 * FusedElementwise lowering: random chains of elementwise ops over odd shapes, with operands that
 * broadcast, repeat, or are one-element constants, fused by the pass and then held to the
 * reference three ways (kernel well formed, kernel-IR interpreter, wasm SIMD) by checkGraph.
 */

test('every op the fusion pass may put in a body has a map lowering', () => {
  const maps = new Set(mapOps());
  for (const op of FUSABLE_ELEMENTWISE) assert.ok(maps.has(op), `${op} has no map lowering`);
});

const SHAPES: readonly (readonly number[])[] = [[7], [3, 5], [2, 3, 5], [1, 13], [4, 1, 9], [2, 2, 3, 3]];
const FLOAT_UNARY = [
  'Tanh',
  'Sigmoid',
  'Erf',
  'Abs',
  'Neg',
  'Relu',
  'Softsign',
  'HardSwish',
  'Sin',
  'Floor',
  'Exp',
];
const FLOAT_BINARY = ['Add', 'Sub', 'Mul', 'Max', 'Min', 'Div'];
const INT_UNARY = ['Abs', 'Neg'];
const INT_BINARY = ['Add', 'Sub', 'Mul', 'Max', 'Min', 'BitwiseAnd', 'BitwiseXor'];
const f = (value: number): AttrValue => ({ kind: 'float', value });

interface Chain {
  readonly graph: Graph;
  readonly feeds: Map<string, Tensor>;
}

/** A random chain over `shape`: each step reads the previous value and maybe a second operand. */
function randomChain(seed: number, dtype: DType): Chain {
  const next = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const shape = pick(SHAPES);
  const float = dtype !== 'int32';
  const inputs: GraphInput[] = [{ name: 'x', value: random(dtype, shape, seed, -3, 3) }];
  const nodes: Node[] = [];
  const values = ['x'];
  let v = 'x';
  const steps = 2 + Math.floor(next() * 5);
  for (let i = 0; i < steps; i++) {
    const out = `v${i}`;
    const r = next();
    if (r < 0.4) {
      const op = pick(float ? FLOAT_UNARY : INT_UNARY);
      if (op === 'Exp') {
        // keeps magnitudes tame
        nodes.push(node('Tanh', [v], `${out}t`));
        v = `${out}t`;
      }
      nodes.push(node(op, [v], out));
    } else if (r < 0.85 || !float) {
      const op = pick(float ? FLOAT_BINARY : INT_BINARY);
      const kind = next();
      let b: string;
      if (kind < 0.3) b = pick(values);
      else if (kind < 0.6) {
        b = `c${i}`;
        const one = fromNumbers(dtype, [], [float ? 0.75 + next() : 1 + Math.floor(next() * 3)]);
        inputs.push({ name: b, value: one, constant: true });
      } else {
        // a broadcast operand: some dims of the output shape set to 1, maybe fewer dims
        const bs = shape.slice(Math.floor(next() * shape.length)).map((d) => (next() < 0.5 ? 1 : d));
        b = `b${i}`;
        inputs.push({ name: b, value: random(dtype, bs, seed + i, 0.5, 2) });
      }
      nodes.push(node(op, next() < 0.5 ? [v, b] : [b, v], out));
    } else if (r < 0.93) {
      inputs.push({ name: `lo${i}`, value: fromNumbers(dtype, [], [-0.5]), constant: true });
      inputs.push({ name: `hi${i}`, value: fromNumbers(dtype, [], [0.8]), constant: true });
      nodes.push(node('Clip', [v, `lo${i}`, `hi${i}`], out));
    } else {
      nodes.push(node('Greater', [v, pick(values)], `${out}p`));
      nodes.push(node('Where', [`${out}p`, v, pick(values)], out));
    }
    values.push(out);
    v = out;
  }
  nodes.push(float ? { ...node('LeakyRelu', [v], 'y'), attrs: { alpha: f(0.1) } } : node('Neg', [v], 'y'));
  const graph = graphOf(nodes, inputs, ['y']);
  const feeds = new Map(inputs.filter((i) => !i.constant).map((i) => [i.name, i.value]));
  return { graph, feeds };
}

function node(op: string, inputs: readonly string[], out: string): Node {
  return { name: `${op}_${out}`, op, domain: '', inputs, outputs: [out], attrs: {} };
}

for (const dtype of ['float32', 'int32', 'float64'] as const) {
  test(`random ${dtype} chains fuse into one loop that matches the reference`, () => {
    let fusedNodes = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const { graph, feeds } = randomChain(seed * 31 + dtype.length, dtype);
      const fused = fuseElementwise(graph, { optLevel: 2 });
      fusedNodes += fused.nodes.filter((n) => n.op === 'FusedElementwise').length;
      checkGraph(fused, feeds, { tolerance: { atol: 1e-5, rtol: 1e-4 } });
    }
    assert.ok(fusedNodes >= 25, `only ${fusedNodes} fused nodes in 25 chains`);
  });
}
