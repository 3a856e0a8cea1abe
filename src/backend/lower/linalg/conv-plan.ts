import type { DType } from '../../../ir/dtype.js';
import { kernelOf } from '../../../ops/linalg/conv.js';
import { shapeFirst, type Layout } from '../../../ops/linalg/layout.js';
import { resolveWindow, type AutoPad } from '../../../ops/linalg/window.js';
import type { Kernel } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import { kernel, suffix } from './common.js';
import {
  geometryOf,
  stridesOf,
  volume,
  windowTag,
  type Geometry,
  type Strides,
  type Triple,
} from './geometry.js';
import { copyBox, zeroFill } from './nest.js';

/** The static facts of one Conv node that every strategy needs. */
export interface ConvAttrs {
  readonly auto_pad: AutoPad;
  readonly dilations: readonly number[] | undefined;
  readonly kernel_shape: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
  readonly group: number;
  readonly layout: Layout;
}

export interface ConvPlan {
  readonly g: Geometry;
  readonly layout: Layout;
  readonly N: number;
  readonly C: number;
  readonly M: number;
  readonly G: number;
  readonly Cg: number;
  readonly Mg: number;
  /** Kernel-name stem: `conv2d_3x3s2` (plus `_nhwc`). */
  readonly stem: string;
}

export function planConv(ctx: LowerContext, x: LoweredValue, w: LoweredValue): ConvPlan {
  const a = ctx.attrs as unknown as ConvAttrs;
  const xs = shapeFirst(x.shape, a.layout) as number[];
  const r = xs.length - 2;
  if (r < 1 || r > 3) throw new LoweringUnsupported(`Conv with ${r} spatial axes`);
  const kernelShape = kernelOf('Conv', a, w.shape);
  const g = geometryOf(resolveWindow(xs.slice(2), kernelShape, a));
  const [N, C] = xs as [number, number];
  const M = w.shape[0]!;
  const G = a.group;
  const layoutTag = a.layout === 'NHWC' ? '_nhwc' : '';
  return {
    g,
    layout: a.layout,
    N,
    C,
    M,
    G,
    Cg: C / G,
    Mg: M / G,
    stem: `conv${r}d_${windowTag(g)}${layoutTag}`,
  };
}

export const xStrides = (p: ConvPlan, spatial: Triple = p.g.input): Strides =>
  stridesOf(p.layout, p.C, spatial);
export const yStrides = (p: ConvPlan): Strides => stridesOf(p.layout, p.M, p.g.output);

export function hasPadding(g: Geometry): boolean {
  return g.padBegin.some((v) => v !== 0) || g.padEnd.some((v) => v !== 0);
}

/**
 * The input copied into a zeroed buffer with the padding materialized, and the geometry over it
 * (no padding left): im2col and direct loops then read without any bounds test. Costs one pass
 * over the input, against kernel-volume passes for the im2col that follows.
 */
export function padInput(
  ctx: LowerContext,
  p: ConvPlan,
  src: { buffer: string; dtype: DType },
): { buffer: string; g: Geometry; kernels: Kernel[] } {
  const g = p.g;
  if (!hasPadding(g)) return { buffer: src.buffer, g, kernels: [] };
  const dims: Triple = [0, 1, 2].map((a) => g.input[a]! + g.padBegin[a]! + g.padEnd[a]!) as unknown as Triple;
  const n = p.N * p.C * volume(dims);
  const buffer = ctx.scratch(src.dtype, n, 'conv_padded');
  const from = xStrides(p);
  const to = stridesOf(p.layout, p.C, dims);
  const origin = g.padBegin[0] * to.s[0] + g.padBegin[1] * to.s[1] + g.padBegin[2] * to.s[2];
  const box = [p.N, p.C, ...g.input];
  const f = ctx.fresh('p');
  const copy = [
    ...copyBox(
      `${f}c`,
      src.dtype,
      p.layout === 'NHWC' ? [box[0]!, ...g.input, p.C] : box,
      {
        buffer: src.buffer,
        offset: 0,
        strides: p.layout === 'NHWC' ? [from.n, ...from.s, from.c] : [from.n, from.c, ...from.s],
      },
      {
        buffer,
        offset: origin,
        strides: p.layout === 'NHWC' ? [to.n, ...to.s, to.c] : [to.n, to.c, ...to.s],
      },
    ),
  ];
  const padded: Geometry = { ...g, input: dims, padBegin: [0, 0, 0], padEnd: [0, 0, 0] };
  const stem = `conv${g.rank}d_pad${p.layout === 'NHWC' ? '_nhwc' : ''}`;
  // two kernels, each one parallel loop, so threads split both (one kernel of two loops ran on one thread)
  return {
    buffer,
    g: padded,
    kernels: [
      kernel(ctx, `${stem}_zero_${suffix(src.dtype)}`, zeroFill(buffer, src.dtype, 0, n, `${f}z`)),
      kernel(ctx, `${stem}_${suffix(src.dtype)}`, copy),
    ],
  };
}
