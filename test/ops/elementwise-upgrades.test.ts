import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elementwiseUpgrades } from '../../src/frontends/onnx/upgrades/elementwise.js';
import type { Attrs, Node } from '../../src/ir/graph.js';
import { values } from '../helpers/op-harness.js';
import { upgradeWith } from './upgrade-helpers.js';

function node(op: string, attrs: Attrs, inputs = ['x']): Node {
  return { name: 'n', op, domain: '', inputs, outputs: ['y'], attrs };
}

const upgrade = (n: Node, opset: number) => upgradeWith(elementwiseUpgrades, n, opset);

const f = (value: number) => ({ kind: 'float', value }) as const;
const i = (value: number) => ({ kind: 'int', value }) as const;

test('Clip min/max attributes become float32 scalar inputs before opset 11', () => {
  const both = upgrade(node('Clip', { min: f(-0.5), max: f(0.5) }), 6);
  assert.equal(both.node.inputs.length, 3);
  assert.deepEqual(values(both.constants.get(both.node.inputs[1]!)!), [-0.5]);
  assert.deepEqual(both.constants.get(both.node.inputs[2]!)!.shape, []);
  assert.deepEqual(both.node.attrs, {});
  const onlyMax = upgrade(node('Clip', { max: f(6) }), 6);
  assert.equal(onlyMax.node.inputs[1], '');
  assert.deepEqual(values(onlyMax.constants.get(onlyMax.node.inputs[2]!)!), [6]);
  const current = node('Clip', {}, ['x', 'lo', 'hi']);
  assert.equal(upgrade(current, 13).node, current);
});

test('Cast-1 type names become TensorProto codes', () => {
  assert.deepEqual(upgrade(node('Cast', { to: { kind: 'string', value: 'FLOAT16' } }), 1).node.attrs, {
    to: i(10),
  });
  assert.deepEqual(upgrade(node('Cast', { to: i(7) }), 13).node.attrs, { to: i(7) });
  assert.throws(() => upgrade(node('Cast', { to: { kind: 'string', value: 'QUATERNION' } }), 1));
});

test('opset < 7 broadcast attributes: suffix broadcasting is numpy, axis becomes legacy_axis', () => {
  const suffix = upgrade(node('Add', { broadcast: i(1) }, ['a', 'b']), 6);
  assert.deepEqual(suffix.node.attrs, {});
  const axis = upgrade(node('Mul', { broadcast: i(1), axis: i(1) }, ['a', 'b']), 6);
  assert.deepEqual(axis.node.attrs, { legacy_axis: i(1) });
  const off = upgrade(
    node('Sub', { broadcast: i(0), axis: i(1), consumed_inputs: { kind: 'ints', value: [0] } }),
    5,
  );
  assert.deepEqual(off.node.attrs, {});
  const modern = node('Add', {}, ['a', 'b']);
  assert.equal(upgrade(modern, 7).node, modern);
});

test('PRelu before opset 7 pairs a 1-D slope with the channel dim', () => {
  assert.deepEqual(upgrade(node('PRelu', {}, ['x', 's']), 6).node.attrs, { legacy_axis: i(1) });
  assert.deepEqual(upgrade(node('PRelu', {}, ['x', 's']), 9).node.attrs, {});
});
