import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Node } from '../../src/ir/graph.js';
import { fromNumbers, getNumber, tensor, type Tensor } from '../../src/ir/tensor.js';
import { verifyGraph } from '../../src/ir/verify.js';
import '../../src/ops/all.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { fuseLayerNorm } from '../../src/passes/fuse-layernorm.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { rand } from '../helpers/op-harness.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

/**
 * LayerNorm matching: the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div(/Mul/Add) decomposition
 * exporters write becomes one LayerNormalization computing the same values, in its spellings; and
 * near misses (a statistic read elsewhere, axes that are not trailing) stay as they are.
 */

const f32 = (shape: readonly number[], values: readonly number[]): Tensor =>
  tensor('float32', shape, Float32Array.from(values));
const axes = (a: readonly number[]): Tensor => fromNumbers('int64', [a.length], a);

interface Options {
  readonly square?: 'pow' | 'mul';
  readonly epsFirst?: boolean;
  readonly gamma?: readonly number[];
  readonly beta?: boolean;
  readonly axes?: readonly number[];
  /** Another node also reads the centred value. */
  readonly leak?: boolean;
}

function decomposed(shape: readonly number[], o: Options = {}): Graph {
  const c = shape[shape.length - 1]!;
  const nodes: Node[] = [
    node('ReduceMean', ['x', 'ax'], ['m']),
    node('Sub', ['x', 'm'], ['d']),
    o.square === 'mul' ? node('Mul', ['d', 'd'], ['p']) : node('Pow', ['d', 'two'], ['p']),
    node('ReduceMean', ['p', 'ax'], ['v']),
    node('Add', o.epsFirst ? ['eps', 'v'] : ['v', 'eps'], ['e']),
    node('Sqrt', ['e'], ['s']),
    node('Div', ['d', 's'], ['n']),
  ];
  let out = 'n';
  if (o.gamma) {
    nodes.push(node('Mul', ['n', 'g'], ['y1']));
    out = 'y1';
  }
  if (o.beta) {
    nodes.push(node('Add', ['b', out], ['y2']));
    out = 'y2';
  }
  if (o.leak) nodes.push(node('Abs', ['d'], ['leak']));
  const initializers: [string, Tensor][] = [
    ['ax', axes(o.axes ?? [-1])],
    ['two', f32([], [2])],
    ['eps', f32([], [1e-5])],
    ...(o.gamma ? [['g', rand(o.gamma, 5)] as [string, Tensor]] : []),
    ...(o.beta ? [['b', rand([c], 6)] as [string, Tensor]] : []),
  ];
  return inferShapes(
    graph({
      inputs: [value('x', 'float32', shape)],
      outputs: [value(out, 'float32', undefined), ...(o.leak ? [value('leak', 'float32', undefined)] : [])],
      initializers,
      nodes,
    }),
    { fold: false },
  );
}

function fuse(g: Graph): string[] {
  const fused = fuseLayerNorm(g, { optLevel: 2 });
  verifyGraph(fused);
  const feeds = new Map([['x', rand(g.inputs[0]!.type.shape as number[], 9)]]);
  const want = runGraph(g, feeds);
  const got = runGraph(fused, feeds);
  for (const [name, t] of want) {
    for (let i = 0; i < t.data.length; i++) {
      const [a, e] = [getNumber(got.get(name)!, i), getNumber(t, i)];
      assert.ok(Math.abs(a - e) <= 1e-5 + 1e-5 * Math.abs(e), `${name}[${i}] ${a} != ${e}`);
    }
  }
  return fused.nodes.map((n) => n.op);
}

test('the decomposition with scale and shift becomes one LayerNormalization', () => {
  const g = decomposed([2, 3, 8], { gamma: [8], beta: true });
  assert.deepEqual(fuse(g), ['LayerNormalization']);
  const ln = fuseLayerNorm(g, { optLevel: 2 }).nodes[0]!;
  assert.deepEqual(ln.inputs, ['x', 'g', 'b']);
  assert.deepEqual(ln.outputs, ['y2']);
  assert.deepEqual(ln.attrs.axis, { kind: 'int', value: 2 });
});

test('spellings: Mul(d, d), eps first, a [1,1,C] scale (reshaped), no shift, no scale at all', () => {
  assert.deepEqual(fuse(decomposed([2, 4, 5], { square: 'mul', epsFirst: true, gamma: [1, 1, 5] })), [
    'LayerNormalization',
  ]);
  const bare = decomposed([3, 6]);
  assert.deepEqual(fuse(bare), ['LayerNormalization']);
  const ln = fuseLayerNorm(bare, { optLevel: 2 }).nodes[0]!;
  assert.equal(ln.inputs.length, 2, 'a ones scale, no bias');
});

test('normalizing several trailing axes sets the axis to the first of them', () => {
  const g = decomposed([2, 3, 4], { axes: [-2, -1], gamma: [3, 4], beta: false });
  assert.deepEqual(fuse(g), ['LayerNormalization']);
  assert.deepEqual(fuseLayerNorm(g, { optLevel: 2 }).nodes[0]!.attrs.axis, { kind: 'int', value: 1 });
});

test('near misses are left alone', () => {
  const kept = ['ReduceMean', 'Sub', 'Pow', 'ReduceMean', 'Add', 'Sqrt', 'Div'];
  assert.deepEqual(fuse(decomposed([2, 7], { leak: true })), [...kept, 'Abs']);
  assert.deepEqual(fuse(decomposed([2, 3, 4], { axes: [1] })), kept);
  // a scale that varies along a kept axis is not LayerNormalization's: the Mul stays outside
  assert.deepEqual(fuse(decomposed([3, 4], { gamma: [3, 1] })), ['LayerNormalization', 'Mul']);
});
