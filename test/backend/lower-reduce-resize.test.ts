import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attrs } from '../../src/ir/graph.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import '../../src/backend/lower/all.js';
import type { GraphInput } from '../helpers/lowering-harness.js';
import { check, float, i64, int, ints, random, str, tolerance } from './lower-reduce-support.js';

const COORDINATES = [
  'half_pixel',
  'half_pixel_symmetric',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
];
const f32 = (values: readonly number[]) => fromNumbers('float32', [values.length], values);

function resize(
  x: GraphInput,
  by: { scales?: number[]; sizes?: number[]; roi?: number[] },
  attrs: Attrs,
  tol = tolerance(x.value.dtype),
) {
  return check(
    'Resize',
    [
      x,
      by.roi ? { name: 'roi', value: f32(by.roi), constant: true } : undefined,
      by.scales ? { name: 'scales', value: f32(by.scales), constant: true } : undefined,
      by.sizes ? { name: 'sizes', value: i64(by.sizes), constant: true } : undefined,
    ],
    attrs,
    { tolerance: tol },
  );
}

test('Resize nearest: every coordinate and rounding mode, up and down, any dtype copied exactly', () => {
  for (const dtype of ['float32', 'float16', 'int64', 'uint8', 'bool'] as const) {
    const x = { name: 'x', value: random(dtype, [1, 2, 5, 7], 3) };
    for (const coordinate_transformation_mode of COORDINATES) {
      for (const nearest_mode of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
        const attrs = {
          coordinate_transformation_mode: str(coordinate_transformation_mode),
          nearest_mode: str(nearest_mode),
        };
        resize(x, { scales: [1, 1, 2, 3] }, attrs);
        resize(x, { scales: [1, 1, 0.6, 0.5] }, attrs);
        resize(x, { sizes: [1, 2, 3, 11] }, attrs);
      }
    }
  }
});

test('Resize linear and cubic: coordinate modes, exclude_outside, antialias, float dtypes', () => {
  for (const dtype of ['float32', 'float16', 'float64'] as const) {
    const x = { name: 'x', value: random(dtype, [2, 3, 5, 6], 4) };
    for (const mode of ['linear', 'cubic']) {
      for (const coordinate_transformation_mode of COORDINATES) {
        for (const by of [
          { scales: [1, 1, 2, 1.5] },
          { scales: [1, 1, 0.6, 0.5] },
          { sizes: [2, 3, 7, 4] },
        ]) {
          resize(x, by, {
            mode: str(mode),
            coordinate_transformation_mode: str(coordinate_transformation_mode),
          });
        }
      }
      resize(
        x,
        { scales: [1, 1, 2, 2] },
        { mode: str(mode), exclude_outside: int(1), cubic_coeff_a: float(-0.5) },
      );
      resize(x, { scales: [1, 1, 0.5, 0.7] }, { mode: str(mode), antialias: int(1) });
    }
  }
});

test('Resize over named axes, keep_aspect_ratio_policy, and 1-D and 3-D inputs', () => {
  const x = { name: 'x', value: random('float32', [2, 4, 6], 5) };
  for (const mode of ['nearest', 'linear']) {
    resize(x, { scales: [2, 0.5] }, { mode: str(mode), axes: ints([-1, 1]) });
    for (const policy of ['stretch', 'not_larger', 'not_smaller']) {
      resize(
        x,
        { sizes: [5, 9] },
        { mode: str(mode), axes: ints([1, 2]), keep_aspect_ratio_policy: str(policy) },
      );
    }
    resize({ name: 'v', value: random('float32', [5], 6) }, { scales: [2.5] }, { mode: str(mode) });
  }
});

test('Resize tf_crop_and_resize extrapolates outside the roi', () => {
  const x = { name: 'x', value: random('float32', [1, 1, 4, 5], 7) };
  for (const mode of ['nearest', 'linear', 'cubic']) {
    resize(
      x,
      { sizes: [1, 1, 3, 6], roi: [0, 0, -0.2, 0.4, 1, 1, 0.9, 1.3] },
      {
        mode: str(mode),
        coordinate_transformation_mode: str('tf_crop_and_resize'),
        extrapolation_value: float(-7),
      },
    );
  }
});

test('an identity Resize is a copy; a resized axis before contiguous ones vectorizes', () => {
  const x = { name: 'x', value: random('float32', [2, 3, 4], 8) };
  const copy = resize(x, { scales: [1, 1, 1] }, { mode: str('linear') });
  assert.equal(copy.kernels[0]!.name, 'resize_copy_f32');
  const rows = resize(x, { scales: [1, 2, 1] }, { mode: str('linear') });
  assert.equal(rows.kernels[0]!.name, 'resize_linear_inner_f32');
});
