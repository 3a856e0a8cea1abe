import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpError } from '../../src/ops/op.js';
import { assertNear, f32, floats, infer1, ints, run1, t, values } from '../helpers/op-harness.js';

const x2x2 = f32([1, 1, 2, 2], [1, 2, 3, 4]);

test('Resize nearest 2x (half_pixel, round_prefer_floor) repeats each pixel twice', () => {
  const y = run1('Resize', [x2x2, undefined, floats(1, 1, 2, 2)]);
  assert.deepEqual(y.shape, [1, 1, 4, 4]);
  assert.deepEqual(values(y), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
});

test('Resize nearest copies int64 elements exactly (no float round trip)', () => {
  const big = 2n ** 60n + 1n;
  const y = run1('Resize', [t('int64', [2], [big, -big]), undefined, floats(2)]);
  assert.deepEqual(Array.from(y.data as BigInt64Array), [big, big, -big, -big]);
});

test('Resize linear half_pixel clamps at the edges', () => {
  const y = run1('Resize', [f32([2], [1, 2]), undefined, floats(2)], { mode: 'linear' });
  assertNear(values(y), [1, 1.25, 1.75, 2]);
});

test('Resize linear align_corners and asymmetric', () => {
  const ac = run1('Resize', [f32([2], [0, 3]), undefined, undefined, ints(4)], {
    mode: 'linear',
    coordinate_transformation_mode: 'align_corners',
  });
  assertNear(values(ac), [0, 1, 2, 3]);
  const asym = run1('Resize', [f32([2], [0, 4]), undefined, floats(2)], {
    mode: 'linear',
    coordinate_transformation_mode: 'asymmetric',
  });
  assertNear(values(asym), [0, 2, 4, 4]);
});

test('Resize nearest_mode picks the rounding of a half-way coordinate', () => {
  // asymmetric x / 2 puts odd outputs exactly between two inputs
  const run4 = (nearest_mode: string) =>
    values(
      run1('Resize', [f32([2], [10, 20]), undefined, floats(2)], {
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode,
      }),
    );
  assert.deepEqual(run4('round_prefer_floor'), [10, 10, 20, 20]);
  assert.deepEqual(run4('round_prefer_ceil'), [10, 20, 20, 20]);
  assert.deepEqual(run4('floor'), [10, 10, 20, 20]);
  assert.deepEqual(run4('ceil'), [10, 20, 20, 20]);
});

test('Resize with negative axes resizes only the named dims', () => {
  const y = run1('Resize', [f32([2, 2], [1, 2, 3, 4]), undefined, floats(2)], { axes: [-1] });
  assert.deepEqual(y.shape, [2, 4]);
  assert.deepEqual(values(y), [1, 1, 2, 2, 3, 3, 4, 4]);
});

test('Resize keep_aspect_ratio_policy picks one scale for all axes', () => {
  const x = f32([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
  const notLarger = run1('Resize', [x, undefined, undefined, ints(4, 4)], {
    axes: [2, 3],
    keep_aspect_ratio_policy: 'not_larger',
  });
  assert.deepEqual(notLarger.shape, [1, 1, 2, 4]);
  assert.deepEqual(values(notLarger), [1, 2, 3, 4, 5, 6, 7, 8]);
  const notSmaller = run1('Resize', [x, undefined, undefined, ints(4, 4)], {
    axes: [2, 3],
    keep_aspect_ratio_policy: 'not_smaller',
  });
  assert.deepEqual(notSmaller.shape, [1, 1, 4, 8]);
});

test('Resize tf_crop_and_resize writes extrapolation_value outside the input', () => {
  // roi [-1, 2] over 2 pixels: coordinates -1, 0, 1, 2
  const y = run1('Resize', [f32([2], [0, 10]), f32([2], [-1, 2]), undefined, ints(4)], {
    mode: 'linear',
    coordinate_transformation_mode: 'tf_crop_and_resize',
    extrapolation_value: 7,
  });
  assertNear(values(y), [7, 0, 10, 7]);
});

test('Resize cubic keeps a constant constant, with and without exclude_outside', () => {
  const x = f32([3], [5, 5, 5]);
  assertNear(values(run1('Resize', [x, undefined, floats(2)], { mode: 'cubic' })), [5, 5, 5, 5, 5, 5]);
  const ex = run1('Resize', [x, undefined, floats(2)], {
    mode: 'cubic',
    exclude_outside: 1,
    cubic_coeff_a: -0.5,
  });
  assertNear(values(ex), [5, 5, 5, 5, 5, 5]);
});

test('Resize linear antialias averages over the widened footprint when downsampling', () => {
  // scale 0.5: weights 1/8, 3/8, 3/8, 1/8 around 2j + 0.5, edge-clamped
  const y = run1('Resize', [f32([4], [0, 1, 2, 3]), undefined, floats(0.5)], {
    mode: 'linear',
    antialias: 1,
  });
  assertNear(values(y), [0.625, 2.375]);
});

test('Resize float16 is computed in float32 and rounded once', () => {
  const y = run1('Resize', [t('float16', [2], [1, 2]), undefined, floats(2)], { mode: 'linear' });
  assert.equal(y.dtype, 'float16');
  assert.deepEqual(values(y), [1, 1.25, 1.75, 2]);
});

test('Resize treats an empty scales tensor as absent (opset 11 placeholder)', () => {
  const y = run1('Resize', [x2x2, f32([0], []), f32([0], []), ints(1, 1, 4, 4)]);
  assert.deepEqual(y.shape, [1, 1, 4, 4]);
});

test('Resize needs exactly one of scales and sizes', () => {
  assert.throws(() => run1('Resize', [x2x2, undefined, floats(1, 1, 2, 2), ints(1, 1, 4, 4)]), OpError);
  assert.throws(() => run1('Resize', [x2x2]), OpError);
  assert.throws(() => run1('Resize', [x2x2, undefined, floats(1, 1, 2, 2)], { antialias: 1 }), OpError);
});

test('Resize infer: constant scales give static dims, symbols survive scale 1', () => {
  assert.deepEqual(infer1('Resize', [x2x2, undefined, floats(1, 1, 2, 3)]).shape, [1, 1, 4, 6]);
  const sym = { dtype: 'float32' as const, shape: ['N', 3, 10, 'W'] };
  const y = infer1('Resize', [sym, undefined, floats(1, 1, 0.5, 2)]).shape!;
  assert.deepEqual(y.slice(0, 3), ['N', 3, 5]);
  assert.equal(typeof y[3], 'string');
  assert.notEqual(y[3], 'W');
});

test('Resize infer: runtime scales give fresh dims only on the resized axes', () => {
  const runtime = { dtype: 'float32' as const, shape: [2] };
  const y = infer1('Resize', [x2x2, undefined, runtime], { axes: [2, 3] }).shape!;
  assert.deepEqual(y.slice(0, 2), [1, 1]);
  assert.ok(y.slice(2).every((d) => typeof d === 'string'));
  assert.deepEqual(infer1('Resize', [x2x2, undefined, undefined, ints(1, 1, 3, 5)]).shape, [1, 1, 3, 5]);
  const unranked = { dtype: 'float32' as const, shape: undefined };
  assert.deepEqual(infer1('Resize', [unranked, undefined, undefined, ints(1, 1, 3, 5)]).shape, [1, 1, 3, 5]);
  assert.equal(infer1('Resize', [unranked, undefined, floats(1, 1, 2, 2)]).shape, undefined);
});

test('Resize layout NHWC gives the same result as NCHW: scales name dims explicitly', () => {
  const nhwc = f32([1, 2, 2, 1], [1, 2, 3, 4]);
  const y = run1('Resize', [nhwc, undefined, floats(1, 2, 2, 1)], { layout: 'NHWC' });
  assert.deepEqual(y.shape, [1, 4, 4, 1]);
  assert.deepEqual(values(y), values(run1('Resize', [x2x2, undefined, floats(1, 1, 2, 2)])));
});
