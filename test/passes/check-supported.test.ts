import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ops/all.js';
import { loadModel } from '../../src/driver/load-model.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { lookupOp } from '../../src/ops/registry.js';
import { checkSupported, unsupportedOps } from '../../src/passes/check-supported.js';
import { attr, writeModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { expectNccError } from '../frontends/expect-error.js';

const chain = (op: string, names: string[], from: string, domain?: string): NodeSpec[] =>
  names.map((name, i) => ({
    op,
    name,
    inputs: [i === 0 ? from : names[i - 1]!],
    outputs: [name],
    ...(domain ? { domain } : {}),
  }));

/** Relu (supported), FakeOpA x4, FakeOpB x1 holding a subgraph with custom.dom::FakeC. */
const path = writeModel({
  inputs: [['x', 'float32', [2]]],
  outputs: [['y', 'float32', [2]]],
  nodes: [
    { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
    ...chain('FakeOpA', ['a1', 'a2', 'a3', 'a4'], 'r'),
    {
      op: 'FakeOpB',
      inputs: ['a4'],
      outputs: ['y'],
      name: 'b1',
      attrs: {
        body: attr.graph({
          inputs: [],
          outputs: [['c1', 'float32', [2]]],
          nodes: chain('FakeC', ['c1'], 'x', 'custom.dom'),
        }),
      },
    },
  ],
  opsets: { 'custom.dom': 1 },
});

test('the fake ops are not in the registry, Relu is', () => {
  assert.ok(lookupOp('', 'Relu'), 'Relu is registered');
  for (const op of ['FakeOpA', 'FakeOpB']) assert.equal(lookupOp('', op), undefined);
  assert.equal(lookupOp('custom.dom', 'FakeC'), undefined);
});

test('unsupportedOps maps every missing op type, in subgraphs too, to its nodes', () => {
  const missing = unsupportedOps(importOnnxFile(path).graph);
  assert.deepEqual([...missing].sort(), [
    ['FakeOpA', ['a1', 'a2', 'a3', 'a4']],
    ['FakeOpB', ['b1']],
    ['custom.dom::FakeC', ['c1']],
  ]);
});

test('checkSupported throws one NCC_UNSUPPORTED_OP listing every unsupported op type', () => {
  const e = expectNccError(() => checkSupported(importOnnxFile(path).graph, path), 'NCC_UNSUPPORTED_OP');
  assert.deepEqual(e.subject.op?.split(',').sort(), ['FakeOpA', 'FakeOpB', 'custom.dom::FakeC']);
  assert.equal(e.subject.file, path);
  assert.match(e.message, /FakeOpA \(4 nodes: 'a1', 'a2', 'a3', \.\.\.\)/);
  assert.match(e.message, /FakeOpB \(1 node: 'b1'\)/);
  assert.match(e.message, /custom\.dom::FakeC \(1 node: 'c1'\)/);
  assert.doesNotMatch(e.message, /Relu/);
  assert.match(e.hint ?? '', /list-operators/);
});

test('loadModel reports the same error', () => {
  const e = expectNccError(() => loadModel(path), 'NCC_UNSUPPORTED_OP');
  assert.deepEqual(e.subject.op?.split(',').sort(), ['FakeOpA', 'FakeOpB', 'custom.dom::FakeC']);
});

test('a supported graph passes', () => {
  const ok = writeModel({
    inputs: [['x', 'float32', [2]]],
    outputs: [['y', 'float32', [2]]],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
  });
  assert.doesNotThrow(() => checkSupported(importOnnxFile(ok).graph));
  assert.equal(unsupportedOps(importOnnxFile(ok).graph).size, 0);
});
