import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttrValue, Node } from '../../src/ir/graph.js';
import { movementUpgrades } from '../../src/frontends/onnx/upgrades/movement.js';
import { values } from '../helpers/op-harness.js';
import { upgradeWith } from './upgrade-helpers.js';

function upgrade(node: Partial<Node> & { op: string }, opset: number) {
  const full: Node = { name: 'n', domain: '', inputs: ['x'], outputs: ['y'], attrs: {}, ...node };
  return upgradeWith(movementUpgrades, full, opset);
}

const ints = (...value: number[]): AttrValue => ({ kind: 'ints', value });

test('Squeeze/Unsqueeze axes and Split split move to inputs before opset 13 only', () => {
  for (const op of ['Squeeze', 'Unsqueeze']) {
    const { node, constants } = upgrade({ op, attrs: { axes: ints(0, -1) } }, 11);
    assert.equal(node.inputs.length, 2);
    assert.deepEqual(values(constants.get(node.inputs[1]!)!), [0, -1]);
    assert.equal(node.attrs['axes'], undefined);
    const kept = upgrade({ op, inputs: ['x', 'a'] }, 13).node;
    assert.deepEqual(kept.inputs, ['x', 'a']);
  }
  const bare = upgrade({ op: 'Squeeze' }, 1).node;
  assert.deepEqual(bare.inputs, ['x']);
  const split = upgrade({ op: 'Split', attrs: { split: ints(2, 3), axis: { kind: 'int', value: 1 } } }, 2);
  assert.deepEqual(values(split.constants.get(split.node.inputs[1]!)!), [2, 3]);
  assert.deepEqual(split.node.attrs['axis'], { kind: 'int', value: 1 });
});

test('Slice-1 attributes become starts, ends and axes inputs', () => {
  const { node, constants } = upgrade(
    { op: 'Slice', attrs: { starts: ints(1), ends: ints(3), axes: ints(0) } },
    9,
  );
  assert.equal(node.inputs.length, 4);
  assert.deepEqual(
    node.inputs.slice(1).map((n) => values(constants.get(n)!)),
    [[1], [3], [0]],
  );
  const noAxes = upgrade({ op: 'Slice', attrs: { starts: ints(1), ends: ints(3) } }, 1).node;
  assert.equal(noAxes.inputs.length, 3);
});

test('Pad-2 pads and value, Pad-1 paddings, Reshape-1 shape', () => {
  const { node, constants } = upgrade(
    { op: 'Pad', attrs: { pads: ints(1, 1), value: { kind: 'float', value: 2.5 } } },
    2,
  );
  assert.equal(node.inputs.length, 3);
  assert.deepEqual(values(constants.get(node.inputs[1]!)!), [1, 1]);
  assert.deepEqual(values(constants.get(node.inputs[2]!)!), [2.5]);
  assert.equal(node.attrs['value'], undefined);
  const zero = upgrade(
    { op: 'Pad', attrs: { paddings: ints(0, 1), value: { kind: 'float', value: 0 } } },
    1,
  ).node;
  assert.equal(zero.inputs.length, 2);
  assert.equal(zero.attrs['value'], undefined);
  const r = upgrade({ op: 'Reshape', attrs: { shape: ints(-1) } }, 1);
  assert.deepEqual(values(r.constants.get(r.node.inputs[1]!)!), [-1]);
  assert.deepEqual(upgrade({ op: 'Reshape', inputs: ['x', 's'] }, 5).node.inputs, ['x', 's']);
});

test('Concat before opset 4 defaults axis to 1; old Dropout attributes are dropped', () => {
  assert.deepEqual(upgrade({ op: 'Concat' }, 1).node.attrs['axis'], { kind: 'int', value: 1 });
  assert.deepEqual(
    upgrade({ op: 'Concat', attrs: { axis: { kind: 'int', value: 0 } } }, 1).node.attrs['axis'],
    {
      kind: 'int',
      value: 0,
    },
  );
  assert.equal(upgrade({ op: 'Concat' }, 4).node.attrs['axis'], undefined);
  const d = upgrade(
    { op: 'Dropout', attrs: { ratio: { kind: 'float', value: 0.2 }, is_test: { kind: 'int', value: 1 } } },
    6,
  );
  assert.deepEqual(d.node.attrs, {});
});
