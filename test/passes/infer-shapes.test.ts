import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ops/all.js';
import { loadModel, loadStaticModel } from '../../src/driver/load-model.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import type { Graph } from '../../src/ir/graph.js';
import { isStaticShape } from '../../src/ir/shape.js';
import { fromNumbers, toNumbers } from '../../src/ir/tensor.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { pinInputs } from '../../src/passes/pin-inputs.js';
import { attr, initializer, writeModel } from '../helpers/onnx-builder.js';
import { expectNccError } from '../frontends/expect-error.js';

/**
 * The shape chain exporters write for `x.reshape(x.shape[0], -1)`:
 *   s = Shape(x); b = Gather(s, 0); bu = Unsqueeze(b, [0]); t = Concat(bu, [-1]); y = Reshape(x, t)
 */
const reshapeChain = writeModel({
  inputs: [['x', 'float32', ['batch', 3, 4]]],
  outputs: [['y', 'float32', ['batch', null]]],
  nodes: [
    { op: 'Shape', inputs: ['x'], outputs: ['s'] },
    { op: 'Gather', inputs: ['s', 'zero'], outputs: ['b'], attrs: { axis: attr.int(0) } },
    { op: 'Unsqueeze', inputs: ['b', 'axes0'], outputs: ['bu'] },
    { op: 'Concat', inputs: ['bu', 'minus1'], outputs: ['target'], attrs: { axis: attr.int(0) } },
    { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'], name: 'reshape' },
  ],
  initializers: [
    initializer('zero', fromNumbers('int64', [], [0n])),
    initializer('axes0', fromNumbers('int64', [1], [0n])),
    initializer('minus1', fromNumbers('int64', [1], [-1n])),
  ],
  opset: 17,
});

function arange(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i * 0.5 - 3);
}

test('after pinning, the Shape->Gather->Unsqueeze->Concat chain folds and Reshape is static', () => {
  for (const config of ['{"dims": {"batch": 2}}', '{"inputs": {"x": [[2,3,4], "float32"]}}']) {
    const g = loadModel(reshapeChain, { ioConfig: parseIoConfig(config) }).graph;
    assert.deepEqual(
      g.nodes.map((n) => n.op),
      ['Reshape'],
      config,
    );
    const reshape = g.nodes[0]!;
    const target = g.initializers.get(reshape.inputs[1]!);
    assert.ok(target, `the target shape is a constant (${config})`);
    assert.deepEqual(toNumbers(target), [2, -1]);
    assert.deepEqual(g.outputs[0]!.type, { dtype: 'float32', shape: [2, 12] });
    verifyGraph(g);
  }
});

test('without pinning the chain stays and the output keeps a symbolic dim', () => {
  const g = loadModel(reshapeChain).graph;
  assert.ok(
    g.nodes.some((n) => n.op === 'Shape'),
    'Shape of a symbolic input cannot fold',
  );
  assert.ok(!isStaticShape(g.outputs[0]!.type.shape), `output shape ${String(g.outputs[0]!.type.shape)}`);
  expectNccError(() => loadStaticModel(reshapeChain), 'NCC_DYNAMIC_SHAPE');
});

test('the folded graph computes what the unfolded graph computes', () => {
  const pinned = pinInputs(importOnnxFile(reshapeChain).graph, parseIoConfig('{"dims": {"batch": 2}}'));
  const folded = inferShapes(pinned, { fold: true });
  const unfolded = inferShapes(pinned, { fold: false });
  assert.equal(unfolded.nodes.length, 5, 'fold: false keeps every node');
  const x = fromNumbers('float32', [2, 3, 4], arange(24));
  const a = runGraph(folded, new Map([['x', x]])).get('y')!;
  const b = runGraph(unfolded, new Map([['x', x]])).get('y')!;
  assert.deepEqual(a.shape, [2, 12]);
  assert.deepEqual(b.shape, [2, 12]);
  assert.deepEqual(
    Array.from(a.data as Float32Array),
    Array.from(x.data as Float32Array),
    'reshape keeps row-major order',
  );
  assert.deepEqual(Array.from(b.data as Float32Array), Array.from(x.data as Float32Array));
});

function constantsModel(): Graph {
  return importOnnxFile(
    writeModel({
      inputs: [['x', 'float32', [4]]],
      outputs: [['y', 'float32', [4]]],
      nodes: [
        { op: 'Add', inputs: ['c1', 'c2'], outputs: ['c'], name: 'const_add' },
        { op: 'Mul', inputs: ['x', 'c'], outputs: ['y'], name: 'mul' },
      ],
      initializers: [
        initializer('c1', fromNumbers('float32', [4], [1, 2, 3, 4])),
        initializer('c2', fromNumbers('float32', [4], [10, 20, 30, 40])),
      ],
    }),
  ).graph;
}

test('a node of constants folds into an initializer; a node of inputs stays', () => {
  const g = inferShapes(constantsModel(), { fold: true });
  assert.deepEqual(
    g.nodes.map((n) => n.name),
    ['mul'],
  );
  const c = g.initializers.get('c');
  assert.ok(c, 'the folded value is an initializer');
  assert.deepEqual(toNumbers(c), [11, 22, 33, 44]);
  assert.deepEqual(g.valueTypes.get('y'), { dtype: 'float32', shape: [4] });
  verifyGraph(g);
});

test('folding respects maxFoldElements', () => {
  const g = inferShapes(constantsModel(), { fold: true, maxFoldElements: 3 });
  assert.deepEqual(
    g.nodes.map((n) => n.name),
    ['const_add', 'mul'],
  );
  assert.ok(!g.initializers.has('c'));
});

test('shapes that cannot broadcast are NCC_INVALID_GRAPH naming the node', () => {
  const path = writeModel({
    inputs: [
      ['a', 'float32', [2]],
      ['b', 'float32', [3]],
    ],
    outputs: [['y', 'float32', [2]]],
    nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'], name: 'bad_add' }],
  });
  const e = expectNccError(() => loadModel(path), 'NCC_INVALID_GRAPH');
  assert.equal(e.subject.node, 'bad_add');
});
