import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { convTuning } from '../../src/backend/lower/linalg/conv-gemm.js';
import { rand } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/** ConvTranspose lowerings (GEMM + col2im, direct float64) against the reference. */
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

interface Case {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly attrs: Record<string, AttrValue>;
  readonly bias?: boolean;
}

const cases: Case[] = [
  { name: '2d 3x3', x: [1, 3, 4, 5], w: [3, 2, 3, 3], attrs: {}, bias: true },
  {
    name: '2d s2 pads',
    x: [2, 2, 5, 4],
    w: [2, 3, 3, 3],
    attrs: { strides: ints([2, 2]), pads: ints([1, 0, 1, 2]) },
    bias: true,
  },
  {
    name: '2d s2 output_padding d2',
    x: [1, 2, 3, 4],
    w: [2, 2, 3, 2],
    attrs: { strides: ints([2, 3]), output_padding: ints([1, 2]), dilations: ints([2, 1]) },
  },
  {
    name: '2d groups 2',
    x: [1, 4, 4, 3],
    w: [4, 3, 2, 2],
    attrs: { group: int(2), strides: ints([2, 1]) },
    bias: true,
  },
  {
    name: '2d output_shape',
    x: [1, 2, 3, 3],
    w: [2, 1, 3, 3],
    attrs: { strides: ints([2, 2]), output_shape: ints([8, 9]) },
  },
  {
    name: '2d SAME_UPPER',
    x: [1, 1, 3, 4],
    w: [1, 2, 3, 3],
    attrs: { strides: ints([2, 2]), auto_pad: str('SAME_UPPER') },
    bias: true,
  },
  {
    name: '2d SAME_LOWER',
    x: [1, 1, 3, 4],
    w: [1, 2, 4, 3],
    attrs: { strides: ints([2, 2]), auto_pad: str('SAME_LOWER') },
  },
  {
    name: '2d depthwise-like',
    x: [1, 3, 4, 4],
    w: [3, 1, 4, 4],
    attrs: { group: int(3), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
  },
  { name: '1d', x: [2, 3, 7], w: [3, 2, 3], attrs: { strides: ints([3]), pads: ints([1, 0]) }, bias: true },
  {
    name: '3d',
    x: [1, 2, 3, 3, 4],
    w: [2, 2, 2, 3, 2],
    attrs: { strides: ints([2, 1, 2]), pads: ints([0, 1, 0, 1, 0, 1]) },
    bias: true,
  },
];

function run(c: Case, layout: 'NCHW' | 'NHWC', dtype: DType = 'float32', constW = true): void {
  let x: Tensor = rand(c.x, 1, dtype);
  if (layout === 'NHWC') x = channelsLast(x, 'NHWC');
  const attrs: Attrs = { ...c.attrs, layout: str(layout) };
  const M = c.w[1]! * ((c.attrs.group?.value as number | undefined) ?? 1);
  const half = dtype === 'float16' || dtype === 'bfloat16';
  checkLinalg(
    'ConvTranspose',
    [
      { name: 'x', value: x },
      { name: 'w', value: rand(c.w, 2, dtype), constant: constW },
      c.bias ? { name: 'b', value: rand([M], 3, dtype), constant: constW } : undefined,
    ],
    attrs,
    { tolerance: half ? { atol: 3e-2, rtol: 2e-2 } : { atol: 1e-5, rtol: 1e-5 } },
  );
}

for (const c of cases) {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    test(`ConvTranspose ${c.name} ${layout}`, () => run(c, layout));
    test(`ConvTranspose ${c.name} ${layout} runtime weights`, () => run(c, layout, 'float32', false));
    for (const dtype of ['float16', 'float64'] as const) {
      test(`ConvTranspose ${c.name} ${layout} ${dtype}`, () => run(c, layout, dtype));
    }
  }
}

test('ConvTranspose tiles over input rows', () => {
  const saved = convTuning.colBudget;
  convTuning.colBudget = 100;
  try {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      run(cases[1]!, layout);
      run(cases[9]!, layout);
    }
  } finally {
    convTuning.colBudget = saved;
  }
});
