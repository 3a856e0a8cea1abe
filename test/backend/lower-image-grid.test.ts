import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue } from '../../src/ir/graph.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { rand } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/**
 * GridSample (1-D to 3-D, every mode, padding mode, align_corners and layout) and AffineGrid
 * lowerings, interpreted and rendered to wasm, against the reference. The kernels compute what the
 * reference computes in the same precision and order, so the tolerance is tight.
 */
const int = (value: number): AttrValue => ({ kind: 'int', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

/** Grid values spread over [-spread, spread], with exact pixel centres, edges and halves mixed in. */
function gridOf(shape: readonly number[], seed: number, spread: number, dtype: DType = 'float32'): Tensor {
  const base = rand(shape, seed).data as Float32Array;
  const special = [-1, 1, 0, -0.5, 0.5, 1.25, -1.75, 0.2];
  const values = Array.from(base, (v, i) => (i % 7 === 3 ? special[i % special.length]! : v * spread));
  return fromNumbers(dtype, shape, values);
}

const MODES = ['linear', 'nearest', 'cubic'] as const;
const PADDINGS = ['zeros', 'border', 'reflection'] as const;

interface Geometry {
  readonly x: readonly number[];
  readonly grid: readonly number[];
}

const GEOMETRIES: readonly Geometry[] = [
  { x: [2, 3, 5], grid: [2, 4, 1] },
  { x: [2, 3, 4, 5], grid: [2, 3, 7, 2] },
  { x: [1, 2, 3, 1, 4], grid: [1, 2, 3, 2, 3] },
  { x: [1, 1, 1, 1], grid: [1, 2, 3, 2] },
];

for (const g of GEOMETRIES) {
  const r = g.x.length - 2;
  for (const mode of MODES) {
    if (mode === 'cubic' && r === 3 && g.x[1]! > 1) continue;
    test(`GridSample ${r}-D ${mode} [${g.x}] x grid [${g.grid}]: every padding, align and layout`, () => {
      for (const padding of PADDINGS) {
        for (const align of [0, 1]) {
          for (const layout of ['NCHW', 'NHWC'] as const) {
            const x = rand(g.x, 3 + align);
            const attrs = {
              mode: str(mode),
              padding_mode: str(padding),
              align_corners: int(align),
              ...(layout === 'NHWC' ? { layout: str('NHWC') } : {}),
            };
            checkLinalg(
              'GridSample',
              [
                { name: 'x', value: layout === 'NHWC' ? channelsLast(x, 'NHWC') : x },
                { name: 'grid', value: gridOf(g.grid, 5 + align, padding === 'reflection' ? 4.5 : 1.4) },
              ],
              attrs,
            );
          }
        }
      }
    });
  }
}

test('GridSample float16, bfloat16 and float64 data, grids of another dtype, a constant grid', () => {
  const cases: [DType, DType][] = [
    ['float16', 'float16'],
    ['bfloat16', 'float32'],
    ['float64', 'float64'],
    ['float32', 'float64'],
    ['float64', 'float16'],
  ];
  for (const [xd, gd] of cases) {
    for (const mode of MODES) {
      checkLinalg(
        'GridSample',
        [
          { name: 'x', value: rand([2, 2, 4, 3], 7, xd) },
          { name: 'grid', value: gridOf([2, 3, 2, 2], 8, 1.3, gd) },
        ],
        { mode: str(mode), padding_mode: str('border') },
      );
    }
  }
  checkLinalg(
    'GridSample',
    [
      { name: 'x', value: rand([1, 3, 5, 5], 9) },
      { name: 'grid', value: gridOf([1, 4, 4, 2], 10, 1.2), constant: true },
    ],
    { mode: str('cubic'), padding_mode: str('reflection'), align_corners: int(1) },
  );
});

test('GridSample of integer and bool images: float32 rounding, then a typed-array store', () => {
  const ranges: [DType, number, number][] = [
    ['uint8', 0, 255],
    ['int8', -128, 127],
    ['int16', -32768, 32767],
    ['uint16', 0, 65535],
    ['int32', -2147483648, 2147483647],
    ['uint32', 0, 4294967295],
    ['int64', -(2 ** 62), 2 ** 62],
    ['bool', 0, 1],
  ];
  for (const [dtype, lo, hi] of ranges) {
    const u = rand([1, 2, 4, 5], 13).data as Float32Array;
    const pick = (v: number, i: number) =>
      i % 5 === 0 ? (i % 2 ? hi : lo) : Math.round(lo + ((v + 1) / 2) * (hi - lo));
    const x = fromNumbers(dtype, [1, 2, 4, 5], Array.from(u, pick));
    for (const mode of MODES) {
      checkLinalg(
        'GridSample',
        [
          { name: 'x', value: x },
          { name: 'grid', value: gridOf([1, 3, 3, 2], 14, 1.2) },
        ],
        { mode: str(mode), padding_mode: str('border') },
      );
    }
  }
});

test('GridSample: infinite and NaN coordinates, non-finite pixels beside zero padding', () => {
  const grid = fromNumbers(
    'float32',
    [1, 1, 6, 2],
    [Infinity, 0, -Infinity, 0.3, NaN, 0, 0.1, NaN, 40, -40, 0, 0],
  );
  const x = rand([1, 2, 3, 4], 11);
  const xs = x.data as Float32Array;
  xs[0] = Infinity;
  xs[13] = NaN;
  for (const mode of MODES) {
    for (const padding of PADDINGS) {
      for (const align of [0, 1]) {
        checkLinalg(
          'GridSample',
          [
            { name: 'x', value: x },
            { name: 'grid', value: grid },
          ],
          {
            mode: str(mode),
            padding_mode: str(padding),
            align_corners: int(align),
          },
        );
      }
    }
  }
});

test('GridSample: an empty output lowers to no kernels', () => {
  const program = checkLinalg('GridSample', [
    { name: 'x', value: rand([1, 2, 3, 3], 1) },
    { name: 'grid', value: rand([1, 0, 2, 2], 2) },
  ]);
  assert.equal(program.kernels.length, 0);
});

test('AffineGrid 2-D and 3-D, both align_corners, sizes with 1s, float16 and float64', () => {
  const sizes: number[][] = [
    [2, 3, 4, 5],
    [1, 1, 1, 6],
    [3, 2, 5, 1],
    [2, 3, 3, 4, 2],
    [1, 1, 1, 1, 1],
  ];
  for (const size of sizes) {
    const r = size.length - 2;
    for (const align of [0, 1]) {
      for (const dtype of ['float32', 'float16', 'float64'] as const) {
        checkLinalg(
          'AffineGrid',
          [
            { name: 'theta', value: rand([size[0]!, r, r + 1], 12 + align, dtype) },
            { name: 'size', value: fromNumbers('int64', [size.length], size), constant: true },
          ],
          { align_corners: int(align) },
        );
      }
    }
  }
});
