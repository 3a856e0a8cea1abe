import { freshDim, type Dim, type Shape } from '../../ir/shape.js';
import { reshapeTensor, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { input } from '../support/infer.js';
import { transposeData } from './copy.js';

type Layout = 'NCHW' | 'NHWC';

const mul = (d: Dim, b: number): Dim => (typeof d === 'number' ? d * b : freshDim());
function div(d: Dim, b: number, what: string): Dim {
  if (typeof d !== 'number') return freshDim();
  if (d % b !== 0) throw new OpError(`${what}: ${d} is not divisible by ${b}`);
  return d / b;
}

function checkRank4(shape: Shape, blocksize: number | undefined, what: string): number {
  if (shape.length !== 4) throw new OpError(`${what} input must be 4-D`);
  if (blocksize === undefined || blocksize < 1) throw new OpError(`${what} needs a positive blocksize`);
  return blocksize;
}

function depthToSpaceShape(s: Shape, b: number, layout: Layout): Dim[] {
  const [n, c, h, w] = layout === 'NCHW' ? [s[0]!, s[1]!, s[2]!, s[3]!] : [s[0]!, s[3]!, s[1]!, s[2]!];
  const c2 = div(c, b * b, 'DepthToSpace channels');
  return layout === 'NCHW' ? [n, c2, mul(h, b), mul(w, b)] : [n, mul(h, b), mul(w, b), c2];
}

function spaceToDepthShape(s: Shape, b: number, layout: Layout): Dim[] {
  const [n, c, h, w] = layout === 'NCHW' ? [s[0]!, s[1]!, s[2]!, s[3]!] : [s[0]!, s[3]!, s[1]!, s[2]!];
  const [h2, w2] = [div(h, b, 'SpaceToDepth height'), div(w, b, 'SpaceToDepth width')];
  return layout === 'NCHW' ? [n, mul(c, b * b), h2, w2] : [n, h2, w2, mul(c, b * b)];
}

/**
 * Both ops are a 6-D view, a transpose and a reshape. DCR reads the channel as (b1, b2, c), CRD as
 * (c, b1, b2); NHWC keeps the same channel order with channels last.
 */
function depthToSpace<T extends Tensor>(x: T, b: number, mode: string, layout: Layout): T {
  const outShape = depthToSpaceShape(x.shape, b, layout) as number[];
  const [n, h, w] =
    layout === 'NCHW' ? [x.shape[0]!, x.shape[2]!, x.shape[3]!] : [x.shape[0]!, x.shape[1]!, x.shape[2]!];
  const c = (layout === 'NCHW' ? x.shape[1]! : x.shape[3]!) / (b * b);
  let view: number[];
  let perm: number[];
  if (layout === 'NCHW') {
    [view, perm] =
      mode === 'DCR'
        ? [
            [n, b, b, c, h, w],
            [0, 3, 4, 1, 5, 2],
          ]
        : [
            [n, c, b, b, h, w],
            [0, 1, 4, 2, 5, 3],
          ];
  } else {
    [view, perm] =
      mode === 'DCR'
        ? [
            [n, h, w, b, b, c],
            [0, 1, 3, 2, 4, 5],
          ]
        : [
            [n, h, w, c, b, b],
            [0, 1, 4, 2, 5, 3],
          ];
  }
  return reshapeTensor(transposeData(reshapeTensor(x, view), perm), outShape) as T;
}

function spaceToDepth<T extends Tensor>(x: T, b: number, layout: Layout): T {
  const outShape = spaceToDepthShape(x.shape, b, layout) as number[];
  const [n, c, h, w] = layout === 'NCHW' ? x.shape : [x.shape[0]!, x.shape[3]!, x.shape[1]!, x.shape[2]!];
  const [view, perm] =
    layout === 'NCHW'
      ? [
          [n!, c!, h! / b, b, w! / b, b],
          [0, 3, 5, 1, 2, 4],
        ]
      : [
          [n!, h! / b, b, w! / b, b, c!],
          [0, 1, 3, 2, 4, 5],
        ];
  return reshapeTensor(transposeData(reshapeTensor(x, view), perm), outShape) as T;
}

export const DepthToSpace = defineOp({
  type: 'DepthToSpace',
  attrs: { blocksize: attr.int(), mode: attr.string('DCR', ['DCR', 'CRD']), layout: attr.layout() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    if (!x.shape) return [{ dtype: x.dtype, shape: undefined }];
    const b = checkRank4(x.shape, ctx.attrs.blocksize, 'DepthToSpace');
    return [{ dtype: x.dtype, shape: depthToSpaceShape(x.shape, b, ctx.attrs.layout) }];
  },
  reference([x], attrs) {
    if (!x) throw new OpError('DepthToSpace needs an input');
    const b = checkRank4(x.shape, attrs.blocksize, 'DepthToSpace');
    return [depthToSpace(x, b, attrs.mode, attrs.layout)];
  },
});

export const SpaceToDepth = defineOp({
  type: 'SpaceToDepth',
  attrs: { blocksize: attr.int(), layout: attr.layout() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    if (!x.shape) return [{ dtype: x.dtype, shape: undefined }];
    const b = checkRank4(x.shape, ctx.attrs.blocksize, 'SpaceToDepth');
    return [{ dtype: x.dtype, shape: spaceToDepthShape(x.shape, b, ctx.attrs.layout) }];
  },
  reference([x], attrs) {
    if (!x) throw new OpError('SpaceToDepth needs an input');
    const b = checkRank4(x.shape, attrs.blocksize, 'SpaceToDepth');
    return [spaceToDepth(x, b, attrs.layout)];
  },
});
