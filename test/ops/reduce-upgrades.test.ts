import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reduceUpgrades } from '../../src/frontends/onnx/upgrades/reduce.js';
import type { Attrs, Node } from '../../src/ir/graph.js';
import { values } from '../helpers/op-harness.js';
import { upgradeWith } from './upgrade-helpers.js';

function node(op: string, attrs: Attrs, outputs = ['y']): Node {
  return { name: 'n', op, domain: '', inputs: ['x'], outputs, attrs };
}

const upgrade = (n: Node, opset: number) => upgradeWith(reduceUpgrades, n, opset);

test('Reduce* axes attribute becomes input 1 before opset 18 (ReduceSum: 13)', () => {
  const axes = { kind: 'ints', value: [1, -1] } as const;
  const mean = upgrade(node('ReduceMean', { axes, keepdims: { kind: 'int', value: 0 } }), 17);
  assert.equal(mean.node.inputs.length, 2);
  assert.deepEqual(values(mean.constants.get(mean.node.inputs[1]!)!), [1, -1]);
  assert.equal(mean.node.attrs['axes'], undefined);
  assert.deepEqual(mean.node.attrs['keepdims'], { kind: 'int', value: 0 });
  assert.equal(upgrade(node('ReduceSum', { axes }), 13).node.attrs['axes'], axes);
  assert.equal(upgrade(node('ReduceSum', { axes }), 11).node.inputs.length, 2);
  // no axes attribute: all axes, nothing to move
  assert.deepEqual(upgrade(node('ReduceMax', {}), 11).node.inputs, ['x']);
});

test('Softmax < 13: axis -1 is already the new form, other axes keep the 2-D coercion', () => {
  const last = upgrade(node('Softmax', { axis: { kind: 'int', value: -1 } }), 11).node;
  assert.equal(last.attrs['coerce2d'], undefined);
  const byDefault = upgrade(node('LogSoftmax', {}), 11).node;
  assert.deepEqual(byDefault.attrs['axis'], { kind: 'int', value: 1 });
  assert.deepEqual(byDefault.attrs['coerce2d'], { kind: 'int', value: 1 });
  const modern = upgrade(node('Hardmax', {}), 13).node;
  assert.equal(modern.attrs['coerce2d'], undefined);
});

test('TopK-1 k attribute, BatchNormalization flags, GroupNormalization-18 scale', () => {
  const topk = upgrade(node('TopK', { k: { kind: 'int', value: 3 } }, ['v', 'i']), 9);
  assert.deepEqual(values(topk.constants.get(topk.node.inputs[1]!)!), [3]);
  const bn = upgrade(
    node('BatchNormalization', { is_test: { kind: 'int', value: 1 }, spatial: { kind: 'int', value: 1 } }),
    6,
  ).node;
  assert.deepEqual(bn.attrs, { training_mode: { kind: 'int', value: 0 } });
  const train = upgrade(node('BatchNormalization', {}, ['y', 'm', 'v']), 9).node;
  assert.deepEqual(train.attrs['training_mode'], { kind: 'int', value: 1 });
  assert.deepEqual(upgrade(node('GroupNormalization', {}), 18).node.attrs['scale_per_group'], {
    kind: 'int',
    value: 1,
  });
  assert.equal(upgrade(node('GroupNormalization', {}), 21).node.attrs['scale_per_group'], undefined);
});
