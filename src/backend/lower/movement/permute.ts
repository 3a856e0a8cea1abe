import { OpError } from '../../../ops/op.js';
import type { LowerContext, Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { copyNest, inputOf, kernelsOf, outputOf, widthName } from './common.js';
import { rowMajor, type Nest } from './nest.js';

/** Transpose, and DepthToSpace/SpaceToDepth as the 6-D transposes they are. */

/** out[o] = x[permuted o]: the output walked in order, the input at the permuted strides. */
export function permuteNest(shape: readonly number[], perm: readonly number[]): Nest {
  const inStrides = rowMajor(shape);
  const extents = perm.map((p) => shape[p]!);
  return {
    extents,
    accesses: [
      { offset: 0, strides: rowMajor(extents) },
      { offset: 0, strides: perm.map((p) => inStrides[p]!) },
    ],
  };
}

function permutation(perm: readonly number[] | undefined, rank: number): number[] {
  if (!perm) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const p = perm.map((a) => (a < 0 ? a + rank : a));
  if (p.length !== rank || new Set(p).size !== rank || p.some((a) => a < 0 || a >= rank)) {
    throw new OpError(`Transpose perm [${perm}] is not a permutation of rank ${rank}`);
  }
  return p;
}

function permuteKernel(
  ctx: LowerContext,
  name: string,
  view: readonly number[],
  perm: readonly number[],
): Lowered {
  const x = inputOf(ctx, 0, 'input');
  const out = outputOf(ctx);
  const body = copyNest(out.buffer, x.buffer, x.dtype, permuteNest(view, perm), ctx.fresh('t'));
  return { kernels: kernelsOf(ctx, `${name}_${widthName(x.dtype)}`, body) };
}

function transpose(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Transpose input');
  const perm = permutation(ctx.attrs.perm as number[] | undefined, x.shape.length);
  return permuteKernel(ctx, 'transpose', x.shape, perm);
}

/** [n, c, h, w] of a 4-D tensor in either layout. */
function nchw(shape: readonly number[], layout: string): [number, number, number, number] {
  const [a, b, c, d] = shape as [number, number, number, number];
  return layout === 'NHWC' ? [a, d, b, c] : [a, b, c, d];
}

/** DCR reads the channel as (b1, b2, c), CRD as (c, b1, b2); NHWC keeps the channel order, channels last. */
function depthToSpace(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'DepthToSpace input');
  const b = ctx.attrs.blocksize as number;
  const layout = ctx.attrs.layout as string;
  const [n, c4, h, w] = nchw(x.shape, layout);
  const c = c4 / (b * b);
  const dcr = ctx.attrs.mode === 'DCR';
  const [view, perm] =
    layout === 'NHWC'
      ? dcr
        ? [
            [n, h, w, b, b, c],
            [0, 1, 3, 2, 4, 5],
          ]
        : [
            [n, h, w, c, b, b],
            [0, 1, 4, 2, 5, 3],
          ]
      : dcr
        ? [
            [n, b, b, c, h, w],
            [0, 3, 4, 1, 5, 2],
          ]
        : [
            [n, c, b, b, h, w],
            [0, 1, 4, 2, 5, 3],
          ];
  return permuteKernel(ctx, `depthtospace_${dcr ? 'dcr' : 'crd'}`, view, perm);
}

function spaceToDepth(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'SpaceToDepth input');
  const b = ctx.attrs.blocksize as number;
  const layout = ctx.attrs.layout as string;
  const [n, c, h, w] = nchw(x.shape, layout);
  const [view, perm] =
    layout === 'NHWC'
      ? [
          [n, h / b, b, w / b, b, c],
          [0, 1, 3, 2, 4, 5],
        ]
      : [
          [n, c, h / b, b, w / b, b],
          [0, 3, 5, 1, 2, 4],
        ];
  return permuteKernel(ctx, 'spacetodepth', view, perm);
}

registerLowerings({ Transpose: transpose, DepthToSpace: depthToSpace, SpaceToDepth: spaceToDepth });
