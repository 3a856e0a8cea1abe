import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { Graph, Node } from '../../src/ir/graph.js';
import { getNumber, tensor, type Tensor } from '../../src/ir/tensor.js';
import { verifyGraph } from '../../src/ir/verify.js';
import '../../src/ops/all.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { fuseElementwise } from '../../src/passes/fuse-elementwise.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { rand } from '../helpers/op-harness.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

/**
 * Elementwise-chain fusion: which nodes join one FusedElementwise (and that the interpreter gives
 * the same outputs before and after), and which must stay materialized: graph outputs, values
 * several nodes read, broadcast intermediates, halves.
 */

const scalar = (v: number): Tensor => tensor('float32', [], Float32Array.of(v));

function build(
  inputs: readonly [string, readonly number[], DType?][],
  outputs: readonly string[],
  nodes: readonly Node[],
  constants: readonly [string, Tensor][] = [],
): Graph {
  return inferShapes(
    graph({
      inputs: inputs.map(([n, shape, dtype]) => value(n, dtype ?? 'float32', shape)),
      outputs: outputs.map((n) => value(n, 'float32', undefined)),
      initializers: [...constants],
      nodes: [...nodes],
    }),
    { fold: false },
  );
}

/** Fuses, checks the result is well formed and computes the same outputs; returns the node ops. */
function fuse(g: Graph): { ops: string[]; fused: Graph } {
  const fused = fuseElementwise(g, { optLevel: 2 });
  verifyGraph(fused);
  const feeds = new Map(
    g.inputs.map((v, i) => [v.name, rand(v.type.shape as number[], i + 3, v.type.dtype)]),
  );
  const want = runGraph(g, feeds);
  const got = runGraph(fused, feeds);
  for (const [name, t] of want) {
    const u = got.get(name)!;
    for (let i = 0; i < t.data.length; i++) {
      const [a, e] = [getNumber(u, i), getNumber(t, i)];
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${name}[${i}] ${a} != ${e}`);
    }
  }
  return { ops: fused.nodes.map((n) => (n.domain ? `${n.op}[${bodyOps(n).join(',')}]` : n.op)), fused };
}

function bodyOps(n: Node): string[] {
  const body = n.attrs.body;
  return body?.kind === 'graph' ? body.value.nodes.map((b) => b.op) : [];
}

test('x * sigmoid(x) becomes one node reading x once, named after the chain end', () => {
  const g = build([['x', [2, 3, 5]]], ['y'], [node('Sigmoid', ['x'], ['s']), node('Mul', ['x', 's'], ['y'])]);
  const { ops, fused } = fuse(g);
  assert.deepEqual(ops, ['FusedElementwise[Sigmoid,Mul]']);
  const f = fused.nodes[0]!;
  assert.deepEqual([f.inputs, f.outputs, f.name], [['x'], ['y'], 'Mul_y']);
  assert.ok(!fused.valueTypes.has('s'), 'the intermediate is gone');
});

test('a GELU decomposition fuses; its one-element constants move into the body', () => {
  const g = build(
    [['x', [4, 7]]],
    ['y'],
    [
      node('Div', ['x', 'sqrt2'], ['d']),
      node('Erf', ['d'], ['e']),
      node('Add', ['e', 'one'], ['a']),
      node('Mul', ['x', 'a'], ['m']),
      node('Mul', ['m', 'half'], ['y']),
    ],
    [
      ['sqrt2', scalar(Math.SQRT2)],
      ['one', scalar(1)],
      ['half', scalar(0.5)],
    ],
  );
  const { ops, fused } = fuse(g);
  assert.deepEqual(ops, ['FusedElementwise[Div,Erf,Add,Mul,Mul]']);
  assert.deepEqual(fused.nodes[0]!.inputs, ['x']);
  assert.equal(fused.initializers.size, 0, 'constants only the chain read are dropped from the graph');
});

test('graph outputs and values read by several nodes stay materialized', () => {
  const out = build([['x', [8]]], ['a', 'b'], [node('Exp', ['x'], ['a']), node('Neg', ['a'], ['b'])]);
  assert.deepEqual(fuse(out).ops, ['Exp', 'Neg']);
  // a feeds two nodes: both consumers keep reading it from memory, but each may still fuse downstream
  const shared = build(
    [['x', [8]]],
    ['y'],
    [
      node('Exp', ['x'], ['a']),
      node('Neg', ['a'], ['b']),
      node('Abs', ['a'], ['c']),
      node('Add', ['b', 'c'], ['y']),
    ],
  );
  assert.deepEqual(fuse(shared).ops, ['Exp', 'FusedElementwise[Neg,Abs,Add]']);
});

test('operands broadcast into a group, but a broadcast intermediate is not recomputed per element', () => {
  const g = build(
    [
      ['x', [1, 3, 4, 5]],
      ['w', [3, 1, 1]],
      ['b', [1, 3, 1, 1]],
    ],
    ['y'],
    [node('Mul', ['x', 'w'], ['m']), node('Add', ['m', 'b'], ['a']), node('Relu', ['a'], ['y'])],
  );
  assert.deepEqual(fuse(g).ops, ['FusedElementwise[Mul,Add,Relu]']);
  // squeeze-excitation: sigmoid of a [1,C,1,1] gate stays its own node before the broadcast Mul
  const se = build(
    [
      ['g', [1, 3, 1, 1]],
      ['x', [1, 3, 4, 5]],
    ],
    ['y'],
    [node('Sigmoid', ['g'], ['s']), node('Mul', ['s', 'x'], ['m']), node('Neg', ['m'], ['y'])],
  );
  assert.deepEqual(fuse(se).ops, ['Sigmoid', 'FusedElementwise[Mul,Neg]']);
});

test('half-precision and narrow-integer intermediates stay materialized (their stores round or wrap)', () => {
  const half = build([['x', [6], 'float16']], ['y'], [node('Exp', ['x'], ['a']), node('Neg', ['a'], ['y'])]);
  assert.deepEqual(fuse(half).ops, ['Exp', 'Neg']);
  const bytes = build(
    [
      ['x', [6], 'uint8'],
      ['z', [6], 'uint8'],
    ],
    ['y'],
    [node('Add', ['x', 'z'], ['a']), node('Cast', ['a'], ['y'], { to: { kind: 'int', value: 1 } })],
  );
  assert.deepEqual(fuse(bytes).ops, ['Add', 'Cast']);
  // a compare's bool and an int32 flow through fine
  const mixed = build(
    [['x', [9]]],
    ['y'],
    [
      node('Greater', ['x', 'zero'], ['p']),
      node('Cast', ['p'], ['i'], { to: { kind: 'int', value: 6 } }),
      node('Cast', ['i'], ['y'], { to: { kind: 'int', value: 1 } }),
    ],
    [['zero', scalar(0)]],
  );
  assert.deepEqual(fuse(mixed).ops, ['FusedElementwise[Greater,Cast,Cast]']);
});

test('non-elementwise nodes and views split chains; a lone elementwise node is left alone', () => {
  const g = build(
    [['x', [2, 6]]],
    ['y'],
    [
      node('Exp', ['x'], ['a']),
      node('Softmax', ['a'], ['s']),
      node('Neg', ['s'], ['n']),
      node('Cast', ['n'], ['c'], { to: { kind: 'int', value: 1 } }),
      node('Abs', ['c'], ['y']),
    ],
  );
  assert.deepEqual(fuse(g).ops, ['Exp', 'Softmax', 'Neg', 'Cast', 'Abs']);
});
