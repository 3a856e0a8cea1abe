import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Node } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { float32ToBfloat16Bits, bfloat16BitsToFloat32 } from '../../src/ir/half.js';
import { autoCastGraph } from '../../src/passes/auto-cast.js';
import '../../src/ops/all.js';

const f32 = (shape: number[], values: number[]): Tensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});
const node = (name: string, op: string, inputs: string[], outputs: string[]): Node => ({
  name,
  op,
  domain: '',
  inputs,
  outputs,
  attrs: {},
});

/** x -> MatMul(W) -> Add(bias) -> y; E is a Gather table; S is read by MatMul and by Add. */
function sample(): Graph {
  return {
    name: 'g',
    inputs: [
      { name: 'x', type: { dtype: 'float32', shape: [1, 2] } },
      { name: 'ids', type: { dtype: 'int64', shape: [1] } },
    ],
    outputs: [
      { name: 'y', type: { dtype: 'float32', shape: [1, 2] } },
      { name: 'e', type: { dtype: 'float32', shape: [1, 2] } },
      { name: 'z', type: { dtype: 'float32', shape: [2, 2] } },
    ],
    initializers: new Map([
      ['W', f32([2, 2], [1.00390625, 3.14159, -2.5e-3, 1e30])],
      ['bias', f32([2], [0.1, 0.2])],
      ['E', f32([3, 2], [0.3, 0.7, 1.1, 70000, -1, 2])],
      ['S', f32([2, 2], [0.3, 0.3, 0.3, 0.3])],
    ]),
    nodes: [
      node('mm', 'MatMul', ['x', 'W'], ['t']),
      node('add', 'Add', ['t', 'bias'], ['y']),
      node('gather', 'Gather', ['E', 'ids'], ['e']),
      node('mm2', 'MatMul', ['S', 'S'], ['u']),
      node('add2', 'Add', ['u', 'S'], ['z']),
    ],
    valueTypes: new Map(),
  };
}

test('matmult: weights read only as weights are rounded to bf16 (nearest even) and marked; others stay', () => {
  const { graph, storage, kept } = autoCastGraph(sample(), { mode: 'matmult', type: 'bfloat16' });
  assert.deepEqual([...storage].sort(), [
    ['E', 'bfloat16'],
    ['W', 'bfloat16'],
  ]);
  assert.deepEqual(kept, []);
  const w = graph.initializers.get('W')!.data as Float32Array;
  // 1.00390625 = 1 + 2^-8 is a tie between 1 and 1 + 2^-7: it rounds to the even one, 1
  assert.equal(w[0], 1);
  assert.equal(w[1], bfloat16BitsToFloat32(float32ToBfloat16Bits(3.14159)));
  assert.notEqual(w[1], Math.fround(3.14159));
  // the bias (read by Add) and S (read by MatMul and by Add) keep their exact values
  assert.deepEqual(
    [...(graph.initializers.get('bias')!.data as Float32Array)],
    [Math.fround(0.1), Math.fround(0.2)],
  );
  assert.equal((graph.initializers.get('S')!.data as Float32Array)[0], Math.fround(0.3));
  // the input graph is untouched
  assert.equal((sample().initializers.get('W')!.data as Float32Array)[1], Math.fround(3.14159));
});

test('fp16: a constant with a value beyond 65504 stays float32 and is reported', () => {
  const { storage, kept, graph } = autoCastGraph(sample(), { mode: 'matmult', type: 'float16' });
  assert.equal(storage.get('E'), undefined);
  assert.equal(storage.get('W'), undefined); // 1e30
  assert.deepEqual(
    kept.map((k) => k.name),
    ['W', 'E'],
  );
  assert.match(kept[1]!.why, /70000 is outside float16's range/);
  assert.equal((graph.initializers.get('E')!.data as Float32Array)[3], 70000);
});

test('mode none changes nothing', () => {
  const g = sample();
  const r = autoCastGraph(g, { mode: 'none', type: 'bfloat16' });
  assert.equal(r.graph, g);
  assert.equal(r.storage.size, 0);
});

/**
 * x -> Conv -> a -> Relu -> b -> Reshape -> c -> Softmax -> d -> Add(d, bias) -> y, plus
 * b -> Concat(b, K) -> k -> Sum -> z and b -> Transpose -> t -> Sum -> u (u an output).
 */
function chain(): Graph {
  const t = (shape: number[]) => ({ dtype: 'float32' as const, shape });
  return {
    name: 'chain',
    inputs: [{ name: 'x', type: t([1, 2, 2, 2]) }],
    outputs: [
      { name: 'y', type: t([1, 8]) },
      { name: 'z', type: t([2, 2, 2, 2]) },
      { name: 'u', type: t([1, 2, 2, 2]) },
    ],
    initializers: new Map([
      ['W', f32([2, 2, 1, 1], [1, 2, 3, 4])],
      ['bias', f32([8], [0, 0, 0, 0, 0, 0, 0, 0])],
      ['K', f32([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])],
      ['shape', { dtype: 'int64', shape: [2], data: BigInt64Array.from([1n, 8n]) }],
    ]),
    nodes: [
      node('conv', 'Conv', ['x', 'W'], ['a']),
      node('relu', 'Relu', ['a'], ['b']),
      node('reshape', 'Reshape', ['b', 'shape'], ['c']),
      node('softmax', 'Softmax', ['c'], ['d']),
      node('add', 'Add', ['d', 'bias'], ['y']),
      node('concat', 'Concat', ['b', 'K'], ['k']),
      node('sum', 'Sum', ['k'], ['z']),
      node('transpose', 'Transpose', ['b'], ['t']),
      node('sum2', 'Sum', ['t'], ['u']),
    ],
    valueTypes: new Map([
      ['a', t([1, 2, 2, 2])],
      ['b', t([1, 2, 2, 2])],
      ['c', t([1, 8])],
      ['d', t([1, 8])],
      ['k', t([2, 2, 2, 2])],
      ['t', t([1, 2, 2, 2])],
    ]),
  };
}

test("'all': activations between ops whose policies allow it are stored in 16 bits, by the registry's policy", () => {
  const { activations, storage } = autoCastGraph(chain(), { mode: 'all', type: 'bfloat16' });
  // weights are cast as in matmult
  assert.deepEqual([...storage.keys()], ['W']);
  // a: Conv -> Relu, both convert
  assert.equal(activations.get('a'), 'bfloat16');
  // t: Transpose copies b, so it shares b's storage (below)
  assert.equal(activations.get('t'), undefined);
  // b is copied by Reshape into c, which Softmax reads (no policy: float32), so b's group stays float32;
  // Concat joins b with the constant K as well
  assert.equal(activations.get('b'), undefined);
  assert.equal(activations.get('c'), undefined);
  // Softmax writes d: float32; k is Concat's output with a constant; outputs keep their dtypes
  for (const n of ['d', 'k', 'x', 'y', 'z', 'u']) assert.equal(activations.get(n), undefined, n);
  const fp16 = autoCastGraph(chain(), { mode: 'all', type: 'float16' }).activations;
  assert.equal(fp16.get('a'), 'float16');
  assert.equal(autoCastGraph(chain(), { mode: 'matmult', type: 'bfloat16' }).activations.size, 0);
});

test("'all': a copy op joins its input and output, so a view never changes storage", () => {
  const g = chain();
  // with a Relu for the Softmax, d (Relu -> Add) is 16-bit; b also feeds Concat with the constant K,
  // so the group (b, c, K, k) stays float32: the Reshape view c too
  const nodes = g.nodes.map((n) => (n.op === 'Softmax' ? { ...n, op: 'Relu' } : n));
  const { activations } = autoCastGraph({ ...g, nodes }, { mode: 'all', type: 'bfloat16' });
  assert.equal(activations.get('d'), 'bfloat16');
  assert.equal(activations.get('b'), undefined);
  assert.equal(activations.get('c'), undefined);
  // without the Concat, b and its view c share 16-bit storage
  const noConcat = nodes.filter((n) => n.op !== 'Concat' && n.name !== 'sum');
  const outputs = g.outputs.filter((o) => o.name !== 'z');
  const r = autoCastGraph({ ...g, nodes: noConcat, outputs }, { mode: 'all', type: 'bfloat16' });
  assert.equal(r.activations.get('b'), 'bfloat16');
  assert.equal(r.activations.get('c'), 'bfloat16');
  assert.equal(r.activations.get('t'), 'bfloat16');
});
