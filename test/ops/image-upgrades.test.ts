import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttrValue, Node } from '../../src/ir/graph.js';
import { imageUpgrades } from '../../src/frontends/onnx/upgrades/image.js';
import { OpUnsupported } from '../../src/ops/op.js';
import { f32, run1, values } from '../helpers/op-harness.js';
import { upgradeWith } from './upgrade-helpers.js';

function node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): Node {
  return { name: 'n', op, domain: '', inputs, outputs: ['y'], attrs };
}

const upgrade = (n: Node, opset: number) => upgradeWith(imageUpgrades, n, opset);

const s = (value: string): AttrValue => ({ kind: 'string', value });

test('Upsample-7 becomes Resize with constant scales, asymmetric, nearest floor', () => {
  const { node: r, constants } = upgrade(
    node('Upsample', ['x'], { scales: { kind: 'floats', value: [1, 3] } }),
    7,
  );
  assert.equal(r.op, 'Resize');
  assert.equal(r.inputs.length, 3);
  assert.equal(r.inputs[1], '');
  assert.deepEqual(values(constants.get(r.inputs[2]!)!), [1, 3]);
  assert.deepEqual(r.attrs['coordinate_transformation_mode'], s('asymmetric'));
  assert.deepEqual(r.attrs['nearest_mode'], s('floor'));
  assert.equal(r.attrs['scales'], undefined);
  // floor(i / 3): a 3x upsample repeats, where rounding would shift the phase
  const y = run1('Resize', [f32([1, 2], [1, 2]), undefined, f32([2], [1, 3])], {
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  assert.deepEqual(values(y), [1, 1, 1, 2, 2, 2]);
});

test('Upsample-9 linear (and the old bilinear) becomes Resize linear asymmetric', () => {
  const { node: r } = upgrade(node('Upsample', ['x', 'scales'], { mode: s('bilinear') }), 9);
  assert.deepEqual(r.inputs, ['x', '', 'scales']);
  assert.deepEqual(r.attrs['mode'], s('linear'));
  assert.equal(r.attrs['nearest_mode'], undefined);
});

test('Resize-10 gets the roi placeholder and asymmetric coordinates; 13 is untouched', () => {
  const { node: r } = upgrade(node('Resize', ['x', 'scales']), 10);
  assert.deepEqual(r.inputs, ['x', '', 'scales']);
  assert.deepEqual(r.attrs['coordinate_transformation_mode'], s('asymmetric'));
  const n13 = node('Resize', ['x', '', 'scales']);
  assert.equal(upgrade(n13, 13).node, n13);
});

test('Resize-11 tf_half_pixel_for_nn with floor is half_pixel with round_prefer_ceil', () => {
  const n = node('Resize', ['x', 'roi', 'scales'], {
    coordinate_transformation_mode: s('tf_half_pixel_for_nn'),
    nearest_mode: s('floor'),
  });
  const { node: r } = upgrade(n, 11);
  assert.deepEqual(r.attrs['coordinate_transformation_mode'], s('half_pixel'));
  assert.deepEqual(r.attrs['nearest_mode'], s('round_prefer_ceil'));
  const other = node('Resize', ['x', 'roi', 'scales'], {
    coordinate_transformation_mode: s('tf_half_pixel_for_nn'),
  });
  assert.throws(() => upgrade(other, 11), OpUnsupported);
});

test('GridSample-16 modes are renamed; RoiAlign-10 gets output_half_pixel', () => {
  assert.deepEqual(
    upgrade(node('GridSample', ['x', 'g'], { mode: s('bicubic') }), 16).node.attrs['mode'],
    s('cubic'),
  );
  assert.deepEqual(
    upgrade(node('GridSample', ['x', 'g'], { mode: s('bilinear') }), 16).node.attrs['mode'],
    s('linear'),
  );
  const roi = upgrade(node('RoiAlign', ['x', 'r', 'b']), 10).node;
  assert.deepEqual(roi.attrs['coordinate_transformation_mode'], s('output_half_pixel'));
  assert.equal(
    upgrade(node('RoiAlign', ['x', 'r', 'b']), 16).node.attrs['coordinate_transformation_mode'],
    undefined,
  );
});

test('DFT-17 axis attribute (default 1) becomes the axis input', () => {
  const { node: r, constants } = upgrade(node('DFT', ['x']), 17);
  assert.deepEqual(r.inputs.slice(0, 2), ['x', '']);
  assert.deepEqual(values(constants.get(r.inputs[2]!)!), [1]);
  const { node: r2, constants: c2 } = upgrade(
    node('DFT', ['x', 'len'], { axis: { kind: 'int', value: 2 } }),
    19,
  );
  assert.equal(r2.inputs[1], 'len');
  assert.deepEqual(values(c2.get(r2.inputs[2]!)!), [2]);
  assert.equal(r2.attrs['axis'], undefined);
});
