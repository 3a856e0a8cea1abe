import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { rand } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/**
 * RoiAlign lowering against the reference: avg and max, both coordinate modes and layouts, fixed
 * and adaptive sample grids, rois inside, across and far outside the image, inverted and huge ones
 * (the adaptive grid's bounded sample loop must still visit every sample that lands inside).
 */
const int = (value: number): AttrValue => ({ kind: 'int', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });
const float = (value: number): AttrValue => ({ kind: 'float', value });

const ROIS = [
  [0, 0, 5, 4],
  [1.3, 0.7, 3.9, 6.2],
  [-2, -3, 4.5, 2.5],
  [2.5, 2.5, 2.6, 2.7],
  [6, 5, 1, 2],
  [-40, -35, 60, 70],
  [12, 14, 30, 31],
  [-0.5, 6.9, 7.5, 7.2],
];

function roisOf(rows: readonly (readonly number[])[], dtype: DType): Tensor {
  return fromNumbers(dtype, [rows.length, 4], rows.flat());
}

function check(
  x: Tensor,
  rows: readonly (readonly number[])[],
  batch: readonly number[],
  attrs: Attrs,
  nhwc: boolean,
): void {
  checkLinalg(
    'RoiAlign',
    [
      { name: 'x', value: nhwc ? channelsLast(x, 'NHWC') : x },
      { name: 'rois', value: roisOf(rows, x.dtype) },
      { name: 'batch', value: fromNumbers('int64', [batch.length], batch) },
    ],
    { ...attrs, ...(nhwc ? { layout: str('NHWC') } : {}) },
  );
}

for (const mode of ['avg', 'max']) {
  for (const ctm of ['half_pixel', 'output_half_pixel']) {
    test(`RoiAlign ${mode} ${ctm}: fixed and adaptive grids, both layouts`, () => {
      const x = rand([2, 3, 7, 8], 21);
      const batch = ROIS.map((_, i) => i % 2);
      for (const sampling of [0, 1, 2, 3]) {
        for (const nhwc of [false, true]) {
          check(
            x,
            ROIS,
            batch,
            {
              mode: str(mode),
              coordinate_transformation_mode: str(ctm),
              sampling_ratio: int(sampling),
              output_height: int(3),
              output_width: int(2),
              spatial_scale: float(sampling === 3 ? 0.5 : 1),
            },
            nhwc,
          );
        }
      }
    });
  }
}

test('RoiAlign: one bin, many bins, one channel, float16 and float64', () => {
  for (const dtype of ['float16', 'float64', 'float32'] as const) {
    for (const [oh, ow] of [
      [1, 1],
      [5, 4],
    ] as const) {
      for (const mode of ['avg', 'max']) {
        check(
          rand([1, 1, 6, 5], 22, dtype),
          ROIS.slice(0, 5),
          [0, 0, 0, 0, 0],
          {
            mode: str(mode),
            output_height: int(oh),
            output_width: int(ow),
          },
          false,
        );
      }
    }
  }
});

test('RoiAlign: huge rois on a larger map (adaptive grid of thousands of samples a bin)', () => {
  const x = rand([1, 2, 17, 13], 23);
  const rows = [
    [-500, -400, 700, 900],
    [-3000, 5, 3000, 6],
    [0.25, -2000, 12.75, 2000],
  ];
  for (const mode of ['avg', 'max']) {
    for (const nhwc of [false, true]) {
      check(x, rows, [0, 0, 0], { mode: str(mode), output_height: int(2), output_width: int(3) }, nhwc);
    }
  }
});

test('RoiAlign: negative pixels, where samples outside the map weigh in as 0', () => {
  const x = rand([1, 2, 4, 4], 24);
  const d = x.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = -Math.abs(d[i]!) - 0.5;
  for (const mode of ['avg', 'max']) {
    check(
      x,
      [
        [-3, -3, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 9, 9],
      ],
      [0, 0, 0],
      { mode: str(mode), output_height: int(2), output_width: int(2) },
      false,
    );
  }
});
