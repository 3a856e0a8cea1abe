import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttrValue, Node } from '../../src/ir/graph.js';
import { linalgUpgrades } from '../../src/frontends/onnx/upgrades/linalg.js';
import { OpError, OpUnsupported } from '../../src/ops/op.js';
import { close, f32, infer, run, run1, t, values } from '../helpers/op-harness.js';

test('QuantizeLinear rounds half to even and saturates', () => {
  const x = f32([7], [0.5, 1.5, 2.5, -0.5, -1.5, 300, -300]);
  const i8 = run1('QuantizeLinear', [x, f32([], [1]), t('int8', [], [0])]);
  assert.equal(i8.dtype, 'int8');
  assert.deepEqual(values(i8), [0, 2, 2, 0, -2, 127, -128]);
  const u8 = run1('QuantizeLinear', [x, f32([], [2]), t('uint8', [], [128])]);
  assert.deepEqual(values(u8), [128, 129, 129, 128, 127, 255, 0]);
  // no zero point: uint8 unless output_dtype says otherwise (5 = int16)
  assert.equal(run1('QuantizeLinear', [x, f32([], [1])]).dtype, 'uint8');
  const i16 = run1('QuantizeLinear', [x, f32([], [0.01])], { output_dtype: 5 });
  assert.equal(i16.dtype, 'int16');
  assert.deepEqual(values(i16), [50, 150, 250, -50, -150, 30000, -30000]);
});

test('QuantizeLinear per-axis and blocked scales', () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const perAxis = run1('QuantizeLinear', [x, f32([3], [1, 2, 4]), t('uint8', [3], [0, 10, 20])]);
  assert.deepEqual(values(perAxis), [1, 11, 21, 4, 12, 22]);
  const axis0 = run1('QuantizeLinear', [x, f32([2], [1, 0.5]), t('int8', [2], [0, 0])], { axis: 0 });
  assert.deepEqual(values(axis0), [1, 2, 3, 8, 10, 12]);
  // blocks of 2 along axis 1: scales [2, ceil(3/2)]
  const blocked = run1(
    'QuantizeLinear',
    [x, f32([2, 2], [1, 0.5, 2, 0.25]), t('int8', [2, 2], [0, 0, 0, 0])],
    {
      axis: 1,
      block_size: 2,
    },
  );
  assert.deepEqual(values(blocked), [1, 2, 6, 2, 2, 24]);
  assert.throws(() => run1('QuantizeLinear', [x, f32([2], [1, 2])]), OpError);
});

test('QuantizeLinear rejects float8 / 4-bit output types as unsupported', () => {
  assert.throws(
    () => infer('QuantizeLinear', [f32([1], [1]), f32([], [1])], { output_dtype: 17 }),
    OpUnsupported,
  );
  assert.throws(
    () => infer('QuantizeLinear', [f32([1], [1]), f32([], [1])], { output_dtype: 22 }),
    OpUnsupported,
  );
});

test('DequantizeLinear: per-tensor, per-axis, int32 input, output dtype from the scale', () => {
  const x = t('uint8', [2, 2], [0, 10, 20, 255]);
  assert.deepEqual(
    values(run1('DequantizeLinear', [x, f32([], [0.5]), t('uint8', [], [10])])),
    [-5, 0, 5, 122.5],
  );
  const axis = run1('DequantizeLinear', [x, f32([2], [1, 2])], { axis: 1 });
  assert.deepEqual(values(axis), [0, 20, 20, 510]);
  const i32 = run1('DequantizeLinear', [t('int32', [2], [-1000, 70000]), f32([], [0.5])]);
  assert.deepEqual(values(i32), [-500, 35000]);
  const half = run1('DequantizeLinear', [x, t('float16', [], [0.5])]);
  assert.equal(half.dtype, 'float16');
  assert.deepEqual(values(half), [0, 5, 10, 127.5]);
});

test('DynamicQuantizeLinear follows the spec example', () => {
  const [y, scale, zp] = run('DynamicQuantizeLinear', [f32([6], [0, 2, -3, -2.5, 1.34, 0.5])], {}, 3);
  close(scale!, f32([], [5 / 255]), 1e-6, 1e-6);
  assert.deepEqual(values(zp!), [153]);
  assert.deepEqual(values(y!), [153, 255, 0, 26, 221, 179]);
  const [, allZeroScale] = run('DynamicQuantizeLinear', [f32([2], [0, 0])], {}, 3);
  close(allZeroScale!, f32([], [1 / 255]), 1e-6, 1e-6);
});

test('MatMulInteger with per-row and per-column zero points', () => {
  const a = t('uint8', [2, 2], [11, 12, 13, 14]);
  const b = t('int8', [2, 2], [1, 2, 3, 4]);
  const y = run1('MatMulInteger', [a, b, t('uint8', [2], [10, 12]), t('int8', [2], [1, 0])]);
  assert.equal(y.dtype, 'int32');
  // (a - [[10],[12]]) @ (b - [1, 0]) = [[1,2],[1,2]] @ [[0,2],[2,4]]
  assert.deepEqual(values(y), [4, 10, 4, 10]);
  assert.deepEqual(values(run1('MatMulInteger', [a, b])), [47, 70, 55, 82]);
});

test('QLinearMatMul and QLinearConv requantize with round-half-even and saturation', () => {
  const a = t('uint8', [1, 2], [2, 4]);
  const b = t('uint8', [2, 1], [3, 5]);
  const one = f32([], [1]);
  const zero = t('uint8', [], [0]);
  const y = run1('QLinearMatMul', [a, one, zero, b, one, zero, f32([], [4]), t('uint8', [], [1])]);
  assert.deepEqual(values(y), [7]); // 26 / 4 = 6.5 -> 6, + 1
  const x = t('uint8', [1, 1, 2, 2], [1, 2, 3, 4]);
  const w = t('uint8', [2, 1, 1, 1], [1, 2]);
  const conv = run1('QLinearConv', [x, one, zero, w, f32([2], [1, 100]), zero, f32([], [2]), zero]);
  assert.deepEqual(values(conv), [0, 1, 2, 2, 100, 200, 255, 255]);
  const ci = run1('ConvInteger', [
    x,
    t('uint8', [2, 1, 1, 1], [3, 1]),
    t('uint8', [], [1]),
    t('uint8', [2], [1, 0]),
  ]);
  assert.equal(ci.dtype, 'int32');
  assert.deepEqual(values(ci), [0, 2, 4, 6, 0, 1, 2, 3]);
});

test('LpPool-1 float p upgrades to an int attribute; later opsets are untouched', () => {
  const p: AttrValue = { kind: 'float', value: 3 };
  const node: Node = { name: 'n', op: 'LpPool', domain: '', inputs: ['x'], outputs: ['y'], attrs: { p } };
  const ctx = { opset: 1, addConstant: () => 'c' };
  assert.deepEqual(linalgUpgrades['LpPool']!(node, ctx).attrs['p'], { kind: 'int', value: 3 });
  assert.deepEqual(linalgUpgrades['GlobalLpPool']!(node, { ...ctx, opset: 2 }).attrs['p'], p);
});
