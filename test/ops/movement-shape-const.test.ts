import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpUnsupported } from '../../src/ops/op.js';
import {
  f32,
  i64,
  infer,
  iota,
  ints,
  isSymbol,
  run,
  run1,
  shapeOfInfer,
  t,
  values,
} from '../helpers/op-harness.js';

test('Shape: start/end count from the end and clamp; Size counts elements', () => {
  const x = iota([2, 3, 4]);
  assert.deepEqual(values(run1('Shape', [x])), [2, 3, 4]);
  assert.equal(run1('Shape', [x]).dtype, 'int64');
  assert.deepEqual(values(run1('Shape', [x], { start: -2 })), [3, 4]);
  assert.deepEqual(values(run1('Shape', [x], { start: 1, end: -1 })), [3]);
  assert.deepEqual(values(run1('Shape', [x], { start: -10, end: 10 })), [2, 3, 4]);
  assert.deepEqual(run1('Shape', [x], { start: 2, end: 1 }).shape, [0]);
  assert.deepEqual(shapeOfInfer('Shape', [{ dtype: 'float32', shape: ['b', 3, 4] }], { start: 1 }), [2]);
  const size = run1('Size', [x]);
  assert.deepEqual(size.shape, []);
  assert.equal((size.data as BigInt64Array)[0], 24n);
});

test('Constant: each value attribute, strings unsupported', () => {
  assert.deepEqual(values(run1('Constant', [], { value: f32([2], [1, 2]) })), [1, 2]);
  const vf = run1('Constant', [], { value_float: 1.5 });
  assert.equal(vf.dtype, 'float32');
  assert.deepEqual(vf.shape, []);
  assert.deepEqual(run1('Constant', [], { value_floats: [1, 2, 3] }).shape, [3]);
  const vi = run1('Constant', [], { value_ints: [4, -5] });
  assert.equal(vi.dtype, 'int64');
  assert.deepEqual(values(vi), [4, -5]);
  assert.deepEqual(values(run1('Constant', [], { value_int: 7 })), [7]);
  assert.throws(() => run1('Constant', [], { value_string: 'x' }), OpUnsupported);
  assert.throws(() => run1('Constant', []));
  assert.deepEqual(infer('Constant', [], { value_ints: [1, 2] }), [{ dtype: 'int64', shape: [2] }]);
});

test('ConstantOfShape: default float zero, typed value, empty shape is a scalar', () => {
  const z = run1('ConstantOfShape', [ints(2, 3)]);
  assert.equal(z.dtype, 'float32');
  assert.deepEqual(values(z), [0, 0, 0, 0, 0, 0]);
  const l = run1('ConstantOfShape', [ints(2)], { value: i64([1], [2n ** 40n]) });
  assert.deepEqual([...(l.data as BigInt64Array)], [2n ** 40n, 2n ** 40n]);
  const h = run1('ConstantOfShape', [i64([0], [])], { value: t('float16', [1], [0.25]) });
  assert.deepEqual(h.shape, []);
  assert.deepEqual(values(h), [0.25]);
  assert.deepEqual(run1('ConstantOfShape', [ints(0, 4)]).shape, [0, 4]);
  assert.deepEqual(shapeOfInfer('ConstantOfShape', [ints(3, 1)]), [3, 1]);
  assert.ok(shapeOfInfer('ConstantOfShape', [{ dtype: 'int64', shape: [2] }])!.every(isSymbol));
});

test('EyeLike: diagonal offsets and dtype override', () => {
  const e = run1('EyeLike', [f32([2, 3], [9, 9, 9, 9, 9, 9])], { k: 1 });
  assert.deepEqual(values(e), [0, 1, 0, 0, 0, 1]);
  const d = run1('EyeLike', [iota([3, 2])], { k: -1, dtype: 7 });
  assert.equal(d.dtype, 'int64');
  assert.deepEqual(values(d), [0, 0, 1, 0, 0, 1]);
  assert.deepEqual(values(run1('EyeLike', [iota([2, 2])], { k: 5 })), [0, 0, 0, 0]);
  assert.deepEqual(values(run1('EyeLike', [t('float16', [2, 2], [0, 0, 0, 0])])), [1, 0, 0, 1]);
});

test('Range: float, negative delta, empty, exact int64', () => {
  const r = run1('Range', [f32([], [1]), f32([], [2]), f32([], [0.25])]);
  assert.deepEqual(values(r), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(
    values(run1('Range', [t('int32', [], [10]), t('int32', [], [4]), t('int32', [], [-3])])),
    [10, 7],
  );
  assert.deepEqual(run1('Range', [f32([], [3]), f32([], [1]), f32([], [1])]).shape, [0]);
  const big = 2n ** 60n;
  const l = run1('Range', [i64([], [big]), i64([], [big + 5n]), i64([], [2])]);
  assert.deepEqual([...(l.data as BigInt64Array)], [big, big + 2n, big + 4n]);
  assert.throws(() => run1('Range', [f32([], [0]), f32([], [1]), f32([], [0])]));
  assert.deepEqual(shapeOfInfer('Range', [i64([], [0]), i64([], [10]), i64([], [3])]), [4]);
  assert.ok(isSymbol(shapeOfInfer('Range', [i64([], [0]), { dtype: 'int64', shape: [] }, i64([], [3])])![0]));
});

test('Identity and inference Dropout pass data through; training with a ratio is unsupported', () => {
  const x = iota([2, 2]);
  assert.equal(run1('Identity', [x]), x);
  const [y, mask] = run('Dropout', [x], {}, 2);
  assert.equal(y, x);
  assert.equal(mask!.dtype, 'bool');
  assert.deepEqual(values(mask!), [1, 1, 1, 1]);
  const on = t('bool', [], [1]);
  assert.throws(() => run('Dropout', [x, f32([], [0.5]), on]), OpUnsupported);
  assert.throws(() => run('Dropout', [x, undefined, on]), OpUnsupported);
  assert.equal(run('Dropout', [x, f32([], [0]), on])[0], x);
  assert.equal(run('Dropout', [x, f32([], [0.3]), t('bool', [], [0])])[0], x);
  assert.throws(() => infer('Dropout', [x, undefined, on]), OpUnsupported);
  assert.equal(infer('Dropout', [x, { dtype: 'float32', shape: [] }, on]).length, 1);
});
