import { test } from 'node:test';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { rand } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/** DeformConv lowering: bilinear sampling at learned offsets (some far outside the image), masks, groups. */
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

function scaled(t: Tensor, k: number): Tensor {
  const d = t.data as Float32Array;
  return { ...t, data: d.map((v) => v * k) };
}

interface Case {
  readonly x: number[];
  readonly w: number[];
  readonly out: number[];
  readonly attrs: Attrs;
  readonly offsetGroups: number;
  readonly mask: boolean;
  readonly bias: boolean;
}

const cases: Case[] = [
  { x: [1, 2, 5, 6], w: [3, 2, 3, 3], out: [3, 4], attrs: {}, offsetGroups: 1, mask: false, bias: false },
  {
    x: [2, 4, 6, 5],
    w: [4, 2, 3, 2],
    out: [6, 5],
    attrs: { group: int(2), pads: ints([1, 0, 1, 1]) },
    offsetGroups: 2,
    mask: true,
    bias: true,
  },
  {
    x: [1, 3, 7, 7],
    w: [2, 3, 2, 2],
    out: [3, 3],
    attrs: { strides: ints([2, 2]), dilations: ints([2, 2]), pads: ints([1, 1, 0, 0]) },
    offsetGroups: 3,
    mask: true,
    bias: true,
  },
];

for (const [k, c] of cases.entries()) {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    test(`DeformConv case ${k} ${layout}`, () => {
      const taps = c.w[2]! * c.w[3]!;
      const N = c.x[0]!;
      const act = (t: Tensor) => (layout === 'NHWC' ? channelsLast(t, 'NHWC') : t);
      checkLinalg(
        'DeformConv',
        [
          { name: 'x', value: act(rand(c.x, 1)) },
          { name: 'w', value: rand(c.w, 2), constant: true },
          { name: 'offset', value: act(scaled(rand([N, c.offsetGroups * 2 * taps, ...c.out], 3), 4)) },
          c.bias ? { name: 'b', value: rand([c.w[0]!], 4), constant: true } : undefined,
          c.mask ? { name: 'mask', value: act(rand([N, c.offsetGroups * taps, ...c.out], 6)) } : undefined,
        ],
        {
          ...c.attrs,
          offset_group: int(c.offsetGroups),
          kernel_shape: ints(c.w.slice(2)),
          layout: str(layout),
        },
        { tolerance: { atol: 1e-5, rtol: 1e-4 } },
      );
    });
  }
}
