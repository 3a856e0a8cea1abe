import { test } from 'node:test';
import type { AttrValue, Attrs, Node } from '../../src/ir/graph.js';
import { i64, rand } from '../helpers/op-harness.js';
import { feedsOf, graphOf, type GraphInput } from '../helpers/lowering-harness.js';
import { checkGraph, checkLinalg } from './lower-linalg-support.js';

/** Col2Im and MaxUnpool lowerings against the reference. */
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

const col2im: { image: number[]; block: number[]; attrs: Attrs; C: number }[] = [
  { image: [5, 5], block: [2, 2], attrs: {}, C: 2 },
  { image: [6, 7], block: [3, 2], attrs: { strides: ints([2, 1]), pads: ints([1, 0, 1, 1]) }, C: 1 },
  {
    image: [7, 6],
    block: [2, 3],
    attrs: { dilations: ints([2, 1]), pads: ints([0, 1, 1, 1]), strides: ints([1, 2]) },
    C: 3,
  },
  { image: [9], block: [3], attrs: { strides: ints([2]), pads: ints([1, 2]) }, C: 2 },
  { image: [3, 4, 5], block: [2, 2, 3], attrs: { pads: ints([1, 0, 1, 0, 1, 1]) }, C: 2 },
];

function blocks(image: number[], block: number[], attrs: Attrs): number {
  const r = image.length;
  const v = (name: string, fill: number, n = r) =>
    (attrs[name]?.value as number[] | undefined) ?? new Array<number>(n).fill(fill);
  const [s, d, p] = [v('strides', 1), v('dilations', 1), v('pads', 0, 2 * r)];
  return image.reduce(
    (acc, n, i) => acc * (Math.floor((n + p[i]! + p[i + r]! - (block[i]! - 1) * d[i]! - 1) / s[i]!) + 1),
    1,
  );
}

for (const c of col2im) {
  for (const dtype of ['float32', 'float16', 'float64'] as const) {
    test(`Col2Im image [${c.image}] block [${c.block}] ${dtype}`, () => {
      const kv = c.block.reduce((a, b) => a * b, 1);
      const L = blocks(c.image, c.block, c.attrs);
      checkLinalg(
        'Col2Im',
        [
          { name: 'x', value: rand([2, c.C * kv, L], 1, dtype) },
          { name: 'image', value: i64([c.image.length], c.image), constant: true },
          { name: 'block', value: i64([c.block.length], c.block), constant: true },
        ],
        c.attrs,
        { tolerance: dtype === 'float16' ? { atol: 1e-2, rtol: 1e-2 } : { atol: 1e-6, rtol: 1e-5 } },
      );
    });
  }
}

function unpool(shape: number[], pool: Attrs, unpoolShape?: number[], layout = 'NCHW') {
  const nodes: Node[] = [
    {
      name: 'pool',
      op: 'MaxPool',
      domain: '',
      inputs: ['x'],
      outputs: ['y', 'i'],
      attrs: { ...pool, layout: str(layout) },
    },
    {
      name: 'unpool',
      op: 'MaxUnpool',
      domain: '',
      inputs: unpoolShape ? ['y', 'i', 'shape'] : ['y', 'i'],
      outputs: ['out'],
      attrs: { ...pool, layout: str(layout) },
    },
  ];
  const inputs: GraphInput[] = [{ name: 'x', value: rand(shape, 3) }];
  if (unpoolShape)
    inputs.push({ name: 'shape', value: i64([unpoolShape.length], unpoolShape), constant: true });
  checkGraph(graphOf(nodes, inputs, ['out']), feedsOf(inputs));
}

test('MaxUnpool undoes MaxPool, with and without output_shape, both layouts', () => {
  const k2 = { kernel_shape: ints([2, 2]), strides: ints([2, 2]) };
  unpool([2, 3, 4, 6], k2);
  unpool([1, 2, 4, 4], k2, [1, 2, 5, 6]);
  unpool([1, 2, 4, 4], { kernel_shape: ints([3, 3]), strides: ints([1, 1]), pads: ints([1, 1, 1, 1]) });
  unpool([1, 2, 9], { kernel_shape: ints([3]), strides: ints([3]) }, [1, 2, 10]);
  unpool([1, 4, 6, 3], k2, undefined, 'NHWC');
});
