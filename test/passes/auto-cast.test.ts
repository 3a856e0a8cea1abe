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

test("'all' (16-bit activations) is refused with a coded error until it exists", () => {
  assert.throws(
    () => autoCastGraph(sample(), { mode: 'all', type: 'bfloat16' }),
    (e: unknown) =>
      e instanceof Error &&
      (e as { code?: string }).code === 'NCC_BAD_OPTION' &&
      /not implemented/.test(e.message),
  );
});
