import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { rand, t } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/** Windowed and global pool lowerings against the reference, both layouts, several dtypes. */
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

interface Case {
  readonly name: string;
  readonly x: number[];
  readonly attrs: Record<string, AttrValue>;
}

const cases: Case[] = [
  { name: '2x2 s2', x: [1, 2, 6, 8], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
  {
    name: '3x3 s2 ceil odd',
    x: [2, 3, 7, 9],
    attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) },
  },
  { name: '3x3 s1 pad1', x: [1, 2, 5, 6], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } },
  {
    name: 'asym pads s2 ceil',
    x: [1, 3, 8, 7],
    attrs: { kernel_shape: ints([3, 2]), strides: ints([2, 2]), pads: ints([1, 0, 2, 1]), ceil_mode: int(1) },
  },
  {
    name: 'dilations 2',
    x: [1, 2, 9, 10],
    attrs: { kernel_shape: ints([3, 3]), dilations: ints([2, 2]), pads: ints([2, 1, 1, 2]) },
  },
  {
    name: 'SAME_UPPER s2',
    x: [1, 2, 7, 8],
    attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: str('SAME_UPPER') },
  },
  { name: 'SAME_LOWER', x: [1, 2, 5, 6], attrs: { kernel_shape: ints([2, 3]), auto_pad: str('SAME_LOWER') } },
  { name: '1d', x: [2, 3, 11], attrs: { kernel_shape: ints([3]), strides: ints([2]), pads: ints([1, 1]) } },
  {
    name: '3d',
    x: [1, 2, 5, 6, 7],
    attrs: { kernel_shape: ints([2, 3, 2]), strides: ints([2, 1, 2]), pads: ints([1, 1, 0, 0, 1, 1]) },
  },
  {
    name: 'big window 9x9',
    x: [1, 2, 11, 10],
    attrs: { kernel_shape: ints([9, 9]), pads: ints([4, 4, 4, 4]), strides: ints([3, 3]) },
  },
];

function input(shape: number[], layout: string, dtype: DType = 'float32', seed = 1): Tensor {
  const x = rand(shape, seed, dtype);
  return layout === 'NHWC' ? channelsLast(x, 'NHWC') : x;
}

function check(
  op: string,
  c: Case,
  layout: 'NCHW' | 'NHWC',
  extra: Attrs = {},
  dtype: DType = 'float32',
  outputs = 1,
) {
  const half = dtype === 'float16' || dtype === 'bfloat16';
  checkLinalg(
    '' + op,
    [{ name: 'x', value: input(c.x, layout, dtype) }],
    { ...c.attrs, ...extra, layout: str(layout) },
    {
      outputs,
      tolerance: half ? { atol: 1e-2, rtol: 1e-2 } : { atol: 1e-6, rtol: 1e-5 },
    },
  );
}

for (const c of cases) {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    test(`MaxPool ${c.name} ${layout}`, () => check('MaxPool', c, layout));
    test(`MaxPool ${c.name} ${layout} with Indices`, () => {
      check('MaxPool', c, layout, {}, 'float32', 2);
      check('MaxPool', c, layout, { storage_order: int(1) }, 'float32', 2);
    });
    for (const cip of [0, 1]) {
      test(`AveragePool ${c.name} ${layout} count_include_pad=${cip}`, () =>
        check('AveragePool', c, layout, { count_include_pad: int(cip) }));
    }
    for (const p of [1, 2, 3])
      test(`LpPool ${c.name} ${layout} p=${p}`, () => check('LpPool', c, layout, { p: int(p) }));
  }
}

for (const dtype of ['float16', 'bfloat16', 'float64'] as const) {
  for (const c of [cases[1]!, cases[3]!, cases[8]!]) {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      test(`pools ${c.name} ${layout} ${dtype}`, () => {
        check('MaxPool', c, layout, {}, dtype);
        check('MaxPool', c, layout, {}, dtype, 2);
        check('AveragePool', c, layout, { count_include_pad: int(1) }, dtype);
        check('LpPool', c, layout, {}, dtype);
      });
    }
  }
}

test('MaxPool of int8 and uint8', () => {
  for (const dtype of ['int8', 'uint8'] as const) {
    const n = 2 * 3 * 7 * 9;
    const x = t(
      dtype,
      [2, 3, 7, 9],
      Array.from({ length: n }, (_, i) => ((i * 53) % 251) - (dtype === 'int8' ? 125 : 0)),
    );
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const xv = layout === 'NHWC' ? channelsLast(x, 'NHWC') : x;
      checkLinalg('MaxPool', [{ name: 'x', value: xv }], { ...cases[3]!.attrs, layout: str(layout) });
      checkLinalg(
        'MaxPool',
        [{ name: 'x', value: xv }],
        { ...cases[3]!.attrs, layout: str(layout) },
        { outputs: 2 },
      );
    }
  }
});

test('MaxPool: NaN wins, ties keep the first position', () => {
  const x = t('float32', [1, 1, 3, 4], [1, NaN, 2, 2, 5, 5, 0, 7, -Infinity, -Infinity, 3, 3]);
  const attrs = { kernel_shape: ints([2, 2]), strides: ints([1, 1]) };
  checkLinalg('MaxPool', [{ name: 'x', value: x }], attrs, { outputs: 2 });
  const inf = t('float32', [1, 1, 2, 2], [-Infinity, -Infinity, -Infinity, -Infinity]);
  checkLinalg('MaxPool', [{ name: 'x', value: inf }], attrs, { outputs: 2 });
});

for (const layout of ['NCHW', 'NHWC'] as const) {
  for (const shape of [
    [2, 3, 5, 7],
    [1, 4, 9],
    [1, 2, 3, 4, 5],
    [3, 5, 1, 1],
  ]) {
    for (const dtype of ['float32', 'float16', 'float64'] as const) {
      test(`global pools [${shape}] ${layout} ${dtype}`, () => {
        const x = input(shape, layout, dtype, 4);
        const tol = dtype === 'float16' ? { atol: 1e-2, rtol: 1e-2 } : { atol: 1e-6, rtol: 1e-5 };
        const attrs = { layout: str(layout) };
        checkLinalg('GlobalAveragePool', [{ name: 'x', value: x }], attrs, { tolerance: tol });
        checkLinalg('GlobalMaxPool', [{ name: 'x', value: x }], attrs, { tolerance: tol });
        for (const p of [1, 2, 3]) {
          checkLinalg('GlobalLpPool', [{ name: 'x', value: x }], { ...attrs, p: int(p) }, { tolerance: tol });
        }
      });
    }
  }
}
