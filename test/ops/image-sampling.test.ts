import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/ir/tensor.js';
import { OpError } from '../../src/ops/op.js';
import { assertNear, f32, infer1, ints, run1, t, values } from '../helpers/op-harness.js';

/** NCHW [1, C, H, W] -> NHWC [1, H, W, C]. */
function toNhwc(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const v = values(x);
  const out: number[] = [];
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) out.push(v[k * h * w + i]!);
  return f32([n, h, w, c], out);
}

const ramp = f32([1, 2, 2, 3], [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);

test('AffineGrid of the identity + GridSample reproduces the input (pixel centres)', () => {
  const identity = f32([1, 2, 3], [1, 0, 0, 0, 1, 0]);
  const grid = run1('AffineGrid', [identity, ints(1, 2, 2, 3)]);
  assert.deepEqual(grid.shape, [1, 2, 3, 2]);
  assertNear(values(run1('GridSample', [ramp, grid])), values(ramp));
  assertNear(
    values(run1('GridSample', [ramp, grid], { mode: 'cubic', padding_mode: 'border' })),
    values(ramp),
  );
  assertNear(values(run1('GridSample', [ramp, grid], { mode: 'nearest' })), values(ramp));
});

test('AffineGrid: pixel centres without align_corners, corners with it, x first', () => {
  const identity = f32([1, 2, 3], [1, 0, 0, 0, 1, 0]);
  assertNear(
    values(run1('AffineGrid', [identity, ints(1, 1, 2, 2)])),
    [-0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 0.5, 0.5],
  );
  assertNear(
    values(run1('AffineGrid', [identity, ints(1, 1, 2, 2)], { align_corners: 1 })),
    [-1, -1, 1, -1, -1, 1, 1, 1],
  );
  const shift = f32([1, 2, 3], [1, 0, 0.25, 0, 1, 0]);
  assertNear(values(run1('AffineGrid', [shift, ints(1, 1, 1, 2)])), [-0.25, 0, 0.75, 0]);
});

test('AffineGrid 3-D: [N, D, H, W, 3]; infer needs a constant size for static dims', () => {
  const theta = f32([1, 3, 4], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  const g = run1('AffineGrid', [theta, ints(1, 1, 2, 3, 4)]);
  assert.deepEqual(g.shape, [1, 2, 3, 4, 3]);
  assert.deepEqual(infer1('AffineGrid', [theta, ints(1, 1, 2, 3, 4)]).shape, [1, 2, 3, 4, 3]);
  const runtime = infer1('AffineGrid', [theta, { dtype: 'int64', shape: [5] }]).shape!;
  assert.equal(runtime.length, 5);
  assert.equal(runtime[4], 3);
});

test('GridSample padding modes outside the image: zeros, border, reflection', () => {
  const x = f32([1, 1, 1, 2], [10, 20]);
  const far = f32([1, 1, 1, 2], [-3, 0]); // x = -2.5 in pixel units
  assert.deepEqual(values(run1('GridSample', [x, far])), [0]);
  assert.deepEqual(values(run1('GridSample', [x, far], { padding_mode: 'border' })), [10]);
  // -2.5 reflects about -0.5 and 1.5 to 1.5, half way between pixel 1 and its mirror
  assertNear(values(run1('GridSample', [x, far], { padding_mode: 'reflection' })), [20]);
});

test('GridSample nearest rounds half to even', () => {
  const x = f32([1, 1, 1, 4], [0, 1, 2, 3]);
  const grid = f32([1, 1, 2, 2], [-0.5, 0, 0, 0]); // x = 0.5 and 1.5
  assert.deepEqual(values(run1('GridSample', [x, grid], { mode: 'nearest' })), [0, 2]);
});

test('GridSample in one spatial dim, align_corners maps -1 and 1 to the end pixels', () => {
  const x = f32([1, 1, 3], [0, 10, 20]);
  const grid = f32([1, 3, 1], [-1, 0.5, 1]);
  assertNear(values(run1('GridSample', [x, grid], { align_corners: 1 })), [0, 15, 20]);
});

test('GridSample NHWC matches NCHW', () => {
  const grid = f32([1, 1, 2, 2], [-0.3, 0.2, 0.7, -0.9]);
  const nchw = run1('GridSample', [ramp, grid], { mode: 'cubic' });
  const nhwc = run1('GridSample', [toNhwc(ramp), grid], { mode: 'cubic', layout: 'NHWC' });
  assert.deepEqual(nhwc.shape, [1, 1, 2, 2]);
  assertNear(values(nhwc), values(toNhwc(nchw)));
  assert.deepEqual(infer1('GridSample', [toNhwc(ramp), grid], { layout: 'NHWC' }).shape, [1, 1, 2, 2]);
});

test('GridSample infer keeps symbols and rejects a grid of the wrong rank', () => {
  const x = { dtype: 'float32' as const, shape: ['N', 3, 8, 8] };
  const grid = { dtype: 'float32' as const, shape: ['N', 'H', 5, 2] };
  assert.deepEqual(infer1('GridSample', [x, grid]).shape, ['N', 3, 'H', 5]);
  assert.throws(() => infer1('GridSample', [x, { dtype: 'float32', shape: [1, 4, 3] }]), OpError);
});

test('RoiAlign averages bilinear samples: half_pixel vs output_half_pixel', () => {
  // X[h, w] = w on a 10 x 10 map
  const x = f32(
    [1, 1, 10, 10],
    Array.from({ length: 100 }, (_, i) => i % 10),
  );
  const rois = f32([1, 4], [0, 0, 9, 9]);
  const attrs = { output_height: 1, output_width: 3, sampling_ratio: 1 };
  assertNear(values(run1('RoiAlign', [x, rois, ints(0)], attrs)), [1, 4, 7]);
  const legacy = run1('RoiAlign', [x, rois, ints(0)], {
    ...attrs,
    coordinate_transformation_mode: 'output_half_pixel',
  });
  assertNear(values(legacy), [1.5, 4.5, 7.5]);
});

test('RoiAlign max takes the largest weighted corner; NHWC matches NCHW', () => {
  const x = f32(
    [1, 2, 4, 4],
    Array.from({ length: 32 }, (_, i) => (i * 7) % 11),
  );
  const rois = f32([2, 4], [0, 0, 3, 3, 1, 0.5, 2.5, 3]);
  const attrs = { output_height: 2, output_width: 2, sampling_ratio: 2, mode: 'max' };
  const nchw = run1('RoiAlign', [x, rois, ints(0, 0)], attrs);
  const nhwc = run1('RoiAlign', [toNhwc(x), rois, ints(0, 0)], { ...attrs, layout: 'NHWC' });
  assert.deepEqual(nhwc.shape, [2, 2, 2, 2]);
  const perRoi = (v: Tensor, r: number) => f32([1, 2, 2, 2], values(v).slice(r * 8, r * 8 + 8));
  assertNear(values(nhwc).slice(0, 8), values(toNhwc(perRoi(nchw, 0))));
  assertNear(values(nhwc).slice(8), values(toNhwc(perRoi(nchw, 1))));
  // the one sample, at (1.5, 1.5), clamps to the last pixel with corner weights (1, 0, 0, 0)
  const one = run1('RoiAlign', [f32([1, 1, 2, 2], [1, 2, 3, 4]), f32([1, 4], [1, 1, 1, 1]), ints(0)], {
    mode: 'max',
    coordinate_transformation_mode: 'output_half_pixel',
    sampling_ratio: 1,
  });
  assertNear(values(one), [4]);
});

test('RoiAlign rejects a batch index beyond the batch', () => {
  assert.throws(
    () => run1('RoiAlign', [f32([1, 1, 2, 2], [1, 2, 3, 4]), f32([1, 4], [0, 0, 1, 1]), ints(1)]),
    OpError,
  );
  assert.deepEqual(
    infer1(
      'RoiAlign',
      [t('float32', [2, 8, 5, 5], new Float32Array(400)), f32([3, 4], new Float32Array(12)), ints(0, 0, 0)],
      {
        output_height: 7,
        output_width: 6,
      },
    ).shape,
    [3, 8, 7, 6],
  );
});
