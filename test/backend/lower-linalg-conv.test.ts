import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { convTuning } from '../../src/backend/lower/linalg/conv-gemm.js';
import { rand } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/**
 * Conv lowerings against the reference: GEMM (1x1 and im2col), depthwise and direct strategies,
 * over 1-D/2-D/3-D, groups, strides, dilations, asymmetric pads, auto_pad, both layouts, dtypes.
 */
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

interface Case {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly group?: number;
  readonly strides?: number[];
  readonly dilations?: number[];
  readonly pads?: number[];
  readonly autoPad?: string;
  readonly bias?: boolean;
}

const cases: Case[] = [
  { name: '2d 3x3 pad1', x: [1, 3, 7, 9], w: [4, 3, 3, 3], pads: [1, 1, 1, 1], bias: true },
  {
    name: '2d asym pads s2x1 d1x2',
    x: [2, 3, 9, 10],
    w: [5, 3, 3, 2],
    pads: [1, 0, 2, 1],
    strides: [2, 1],
    dilations: [1, 2],
    bias: true,
  },
  { name: '2d groups 2', x: [1, 4, 6, 7], w: [6, 2, 3, 3], group: 2, pads: [0, 1, 1, 0], bias: true },
  {
    name: '2d groups 2 s2 d2',
    x: [2, 4, 11, 9],
    w: [4, 2, 3, 3],
    group: 2,
    strides: [2, 2],
    dilations: [2, 2],
    pads: [2, 1, 1, 2],
  },
  { name: '2d 1x1', x: [2, 5, 4, 3], w: [7, 5, 1, 1], bias: true },
  { name: '2d 1x1 groups 3', x: [1, 6, 4, 5], w: [9, 2, 1, 1], group: 3, bias: true },
  { name: '2d 1x1 s2', x: [1, 4, 7, 6], w: [3, 4, 1, 1], strides: [2, 2] },
  { name: '2d 1x1 padded', x: [1, 2, 3, 3], w: [3, 2, 1, 1], pads: [1, 0, 0, 1], bias: true },
  {
    name: '2d SAME_UPPER s2',
    x: [1, 3, 7, 8],
    w: [2, 3, 3, 3],
    strides: [2, 2],
    autoPad: 'SAME_UPPER',
    bias: true,
  },
  { name: '2d SAME_LOWER', x: [1, 2, 6, 5], w: [3, 2, 4, 2], autoPad: 'SAME_LOWER' },
  { name: '2d VALID', x: [1, 2, 6, 5], w: [3, 2, 3, 2], autoPad: 'VALID', pads: undefined },
  { name: '2d kernel = input', x: [1, 3, 4, 4], w: [2, 3, 4, 4], bias: true },
  { name: 'depthwise 3x3 pad1', x: [1, 4, 7, 9], w: [4, 1, 3, 3], group: 4, pads: [1, 1, 1, 1], bias: true },
  {
    name: 'depthwise 3x3 s2',
    x: [2, 3, 8, 7],
    w: [3, 1, 3, 3],
    group: 3,
    pads: [1, 1, 1, 1],
    strides: [2, 2],
  },
  {
    name: 'depthwise multiplier 2',
    x: [1, 3, 6, 5],
    w: [6, 1, 3, 2],
    group: 3,
    pads: [0, 1, 1, 0],
    bias: true,
  },
  {
    name: 'depthwise 5x5 d2',
    x: [1, 2, 11, 12],
    w: [2, 1, 5, 5],
    group: 2,
    pads: [4, 3, 2, 4],
    dilations: [2, 2],
  },
  {
    name: 'depthwise 9x9 looped',
    x: [1, 2, 10, 11],
    w: [2, 1, 9, 9],
    group: 2,
    pads: [4, 4, 4, 4],
    bias: true,
  },
  { name: 'single input channel', x: [1, 1, 6, 7], w: [5, 1, 3, 3], pads: [1, 1, 1, 1], bias: true },
  {
    name: '1d',
    x: [2, 4, 11],
    w: [6, 2, 3],
    group: 2,
    strides: [2],
    dilations: [2],
    pads: [1, 2],
    bias: true,
  },
  { name: '1d 1x1', x: [1, 3, 8], w: [4, 3, 1], bias: true },
  { name: '1d depthwise', x: [1, 3, 9], w: [3, 1, 4], group: 3, pads: [2, 1] },
  {
    name: '3d',
    x: [1, 2, 5, 6, 7],
    w: [3, 2, 3, 2, 3],
    pads: [1, 0, 1, 1, 1, 0],
    strides: [1, 2, 1],
    bias: true,
  },
  {
    name: '3d groups s2',
    x: [1, 4, 5, 5, 6],
    w: [4, 2, 2, 3, 3],
    group: 2,
    strides: [2, 2, 2],
    pads: [0, 1, 1, 1, 1, 1],
  },
  {
    name: '3d depthwise',
    x: [1, 2, 4, 5, 6],
    w: [2, 1, 3, 3, 3],
    group: 2,
    pads: [1, 1, 1, 1, 1, 1],
    bias: true,
  },
  { name: '3d 1x1', x: [1, 3, 2, 3, 4], w: [2, 3, 1, 1, 1] },
];

function attrsOf(c: Case, layout: string): Attrs {
  const a: Record<string, AttrValue> = { layout: str(layout) };
  if (c.group) a.group = int(c.group);
  if (c.strides) a.strides = ints(c.strides);
  if (c.dilations) a.dilations = ints(c.dilations);
  if (c.pads) a.pads = ints(c.pads);
  if (c.autoPad) a.auto_pad = str(c.autoPad);
  return a;
}

function run(
  c: Case,
  layout: 'NCHW' | 'NHWC',
  opts: { dtype?: DType; constW?: boolean; constB?: boolean } = {},
): void {
  const dtype = opts.dtype ?? 'float32';
  let x: Tensor = rand(c.x, 1, dtype);
  if (layout === 'NHWC') x = channelsLast(x, 'NHWC');
  const half = dtype === 'float16' || dtype === 'bfloat16';
  checkLinalg(
    'Conv',
    [
      { name: 'x', value: x },
      { name: 'w', value: rand(c.w, 2, dtype), constant: opts.constW ?? true },
      c.bias ? { name: 'b', value: rand([c.w[0]!], 3, dtype), constant: opts.constB ?? true } : undefined,
    ],
    attrsOf(c, layout),
    { tolerance: half ? { atol: 3e-2, rtol: 2e-2 } : { atol: 1e-5, rtol: 1e-5 } },
  );
}

for (const c of cases) {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    test(`Conv ${c.name} ${layout}`, () => run(c, layout));
    test(`Conv ${c.name} ${layout} runtime weights`, () => run(c, layout, { constW: false, constB: false }));
  }
}

for (const dtype of ['float16', 'bfloat16', 'float64'] as const) {
  for (const c of [cases[1]!, cases[2]!, cases[4]!, cases[13]!, cases[18]!, cases[22]!]) {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      test(`Conv ${c.name} ${layout} ${dtype}`, () => run(c, layout, { dtype, constW: c !== cases[2] }));
    }
  }
}

test('Conv im2col tiles over output rows and depth slabs', () => {
  const saved = convTuning.colBudget;
  convTuning.colBudget = 200;
  try {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      run(
        {
          name: 'tiled 2d',
          x: [1, 3, 9, 8],
          w: [4, 3, 3, 3],
          pads: [1, 1, 1, 1],
          strides: [1, 2],
          bias: true,
        },
        layout,
      );
      run({ name: 'tiled 3d', x: [1, 2, 5, 4, 5], w: [3, 2, 2, 2, 2], pads: [1, 1, 1, 0, 0, 0] }, layout);
    }
    convTuning.colBudget = 400;
    run(
      {
        name: 'tiled 3d slabs',
        x: [2, 2, 6, 4, 5],
        w: [3, 2, 2, 2, 2],
        pads: [1, 1, 1, 0, 0, 0],
        bias: true,
      },
      'NCHW',
    );
  } finally {
    convTuning.colBudget = saved;
  }
});

test('Conv kernels are named by strategy and geometry', () => {
  const c = cases[0]!;
  const x = rand(c.x, 1);
  const p = checkLinalg(
    'Conv',
    [
      { name: 'x', value: x },
      { name: 'w', value: rand(c.w, 2), constant: true },
    ],
    attrsOf(c, 'NCHW'),
  );
  assert.deepEqual(
    p.kernels.map((k) => k.name),
    ['conv2d_pad_zero_f32', 'conv2d_pad_f32', 'conv2d_3x3_im2col_f32', 'conv2d_3x3_gemm_f32'],
  );
});
