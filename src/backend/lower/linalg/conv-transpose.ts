import type { ConvAttrs, ConvPlan } from './conv-plan.js';
import { sizeOf } from '../../../ir/tensor.js';
import { kernelOf } from '../../../ops/linalg/conv.js';
import { shapeFirst } from '../../../ops/linalg/layout.js';
import { windowParams } from '../../../ops/linalg/window.js';
import { binary, computeType, load, store } from '../../kernel/build.js';
import type { Expr, GemmCall, Index, Kernel, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  f32Input,
  f32Output,
  isFloatType,
  ix,
  kernel,
  matrix,
  output,
  required,
  suffix,
  usesF32Gemm,
} from './common.js';
import type { Operand } from './conv-depthwise.js';
import { convTuning } from './conv-gemm.js';
import {
  rowTiles,
  stridesOf,
  volume,
  windowTag,
  type Geometry,
  type RowTile,
  type Triple,
} from './geometry.js';
import { levelVar, nest, zeroFill } from './nest.js';

/**
 * ConvTranspose, the adjoint of Conv: per image, group and tile of input rows, a GEMM makes the
 * columns col[(mm, tap), i] = sum_c W[c, mm, tap] X[c, i] (NCHW; NHWC the transposed product),
 * then col2im scatter-adds each tap onto Y over the input range whose target lies inside Y,
 * computed at compile time per tap. Y starts as the bias (or zeros). float64: a direct scatter.
 */
/** Conv's attributes plus the two that size ConvTranspose's output. */
interface TransposeAttrs extends ConvAttrs {
  readonly output_padding: readonly number[] | undefined;
  readonly output_shape: readonly number[] | undefined;
}

/** Conv's plan, read the other way: input = X spatial, output = Y spatial; padBegin may be negative (the output grows). */
export type TPlan = ConvPlan;

function planTranspose(ctx: LowerContext, x: LoweredValue, w: LoweredValue, y: LoweredValue): TPlan {
  const a = ctx.attrs as unknown as TransposeAttrs;
  const xs = shapeFirst(x.shape, a.layout) as number[];
  const ys = shapeFirst(y.shape, a.layout) as number[];
  const r = xs.length - 2;
  if (r < 1 || r > 3) throw new LoweringUnsupported(`ConvTranspose with ${r} spatial axes`);
  const kernel = kernelOf('ConvTranspose', a, w.shape);
  const p = windowParams(kernel, a);
  const outPad = a.output_padding ?? new Array<number>(r).fill(0);
  const same = a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER';
  const begin = xs.slice(2).map((n, i) => {
    // the spec's equations, as the reference resolves them (Python floor division)
    if (a.output_shape || same) {
      const natural = p.strides[i]! * (n - 1) + outPad[i]! + (kernel[i]! - 1) * p.dilations[i]! + 1;
      const total = natural - ys[i + 2]!;
      const half = Math.floor(total / 2);
      return a.auto_pad === 'SAME_UPPER' ? half : total - half;
    }
    return a.auto_pad === 'VALID' ? 0 : p.pads[i]!;
  });
  const lead = (xs3: readonly number[], v: number): Triple =>
    [...new Array<number>(3 - r).fill(v), ...xs3] as unknown as Triple;
  const g: Geometry = {
    rank: r,
    input: lead(xs.slice(2), 1),
    output: lead(ys.slice(2), 1),
    kernel: lead(kernel, 1),
    strides: lead(p.strides, 1),
    dilations: lead(p.dilations, 1),
    padBegin: lead(begin, 0),
    padEnd: [0, 0, 0],
  };
  const [N, C] = xs as [number, number];
  const M = ys[1]!;
  const G = a.group;
  const stem = `deconv${r}d_${windowTag(g)}${a.layout === 'NHWC' ? '_nhwc' : ''}`;
  return { g, layout: a.layout, N, C, M, G, Cg: C / G, Mg: M / G, stem };
}

/** Per axis, the input range [lo, hi) whose target i*s - pb + k*d for tap k lies inside the output. */
function inputRange(g: Geometry, axis: number, k: number): [number, number] {
  const s = g.strides[axis]!;
  const off = k * g.dilations[axis]! - g.padBegin[axis]!;
  const lo = Math.max(0, Math.ceil(-off / s));
  const hi = Math.min(g.input[axis]!, Math.floor((g.output[axis]! - 1 - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * For each tap, loops over the input positions (clipped to `box` per axis) that land inside Y,
 * adding `value(tap, vars, starts)` onto Y. Taps run in order; within a tap the targets differ.
 */
export function scatterTaps(
  p: TPlan,
  f: string,
  box: readonly [number, number][],
  y: Operand,
  yBase: Index,
  value: (tap: number, vars: (string | undefined)[], starts: number[]) => Expr,
): Stmt[] {
  const { g } = p;
  const ys = stridesOf(p.layout, p.M, g.output);
  const t = computeType(y.dtype);
  const out: Stmt[] = [];
  const [KD, KH, KW] = g.kernel;
  for (let kd = 0; kd < KD; kd++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const taps = [kd, kh, kw];
        const ranges = [0, 1, 2].map((a) => {
          const [lo, hi] = inputRange(g, a, taps[a]!);
          return [Math.max(lo, box[a]![0]), Math.min(hi, box[a]![1])] as [number, number];
        });
        if (ranges.some(([lo, hi]) => hi <= lo)) continue;
        const vars = ranges.map(([lo, hi], a) => levelVar(`${f}i${a}`, hi - lo));
        const starts = ranges.map(([lo]) => lo);
        let offset = yBase.offset;
        const terms: [string | undefined, number][] = yBase.terms.map((tm) => [tm.v, tm.stride]);
        for (let a = 0; a < 3; a++) {
          offset += (starts[a]! * g.strides[a]! - g.padBegin[a]! + taps[a]! * g.dilations[a]!) * ys.s[a]!;
          terms.push([vars[a], g.strides[a]! * ys.s[a]!]);
        }
        const yIx = ix(offset, terms);
        const tap = (kd * KH + kh) * KW + kw;
        const sum = binary('add', t, load(y.buffer, y.dtype, yIx), value(tap, vars, starts));
        const levels = ranges.map(([lo, hi], a) => ({ v: vars[a], extent: hi - lo, vectorize: a === 2 }));
        out.push(...nest(levels, [store(y.buffer, y.dtype, yIx, sum)]));
      }
    }
  }
  return out;
}

/** Y = bias broadcast over positions, or zeros. */
export function initOutput(ctx: LowerContext, p: TPlan, y: Operand, bias: Operand | undefined): Kernel {
  const f = ctx.fresh('yi');
  const plane = volume(p.g.output);
  if (!bias)
    return kernel(
      ctx,
      `${p.stem}_zero_${suffix(y.dtype)}`,
      zeroFill(y.buffer, y.dtype, 0, p.N * p.M * plane, f),
    );
  const [n, m, s] = [levelVar(`${f}n`, p.N), levelVar(`${f}m`, p.M), levelVar(`${f}s`, plane)];
  const nhwc = p.layout === 'NHWC';
  const value = load(bias.buffer, bias.dtype, ix(0, [[m, 1]]));
  const yIx = ix(0, [
    [n, p.M * plane],
    [m, nhwc ? 1 : plane],
    [s, nhwc ? p.M : 1],
  ]);
  const levels = nhwc
    ? [
        { v: n, extent: p.N },
        { v: s, extent: plane },
        { v: m, extent: p.M, vectorize: true },
      ]
    : [
        { v: n, extent: p.N },
        { v: m, extent: p.M },
        { v: s, extent: plane, vectorize: true },
      ];
  return kernel(
    ctx,
    `${p.stem}_bias_${suffix(y.dtype)}`,
    nest(levels, [store(y.buffer, y.dtype, yIx, value)], true),
  );
}

export function lowerConvTranspose(ctx: LowerContext): Lowered {
  const x = required(ctx, 0);
  const w = required(ctx, 1);
  const b = ctx.inputs[2];
  const y = output(ctx);
  if (!isFloatType(y.dtype)) throw new LoweringUnsupported(`ConvTranspose of ${y.dtype}`);
  const p = planTranspose(ctx, x, w, y);
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  const op = (v: LoweredValue): Operand => ({ buffer: v.buffer, dtype: v.dtype });
  if (!usesF32Gemm(y.dtype)) {
    return { kernels: [initOutput(ctx, p, op(y), b && op(b)), transposeDirect(ctx, p, op(x), op(w), op(y))] };
  }
  const pre: Kernel[] = [];
  const stage = (v: LoweredValue, hint: string): Operand => {
    const s = f32Input(ctx, v, hint);
    pre.push(...s.pre);
    return { buffer: s.buffer, dtype: 'float32' };
  };
  const fx = stage(x, 'deconv_x');
  const fw = stage(w, 'deconv_w');
  const fb = b && stage(b, 'deconv_b');
  const fy = f32Output(ctx, y, 'deconv_y');
  const yo: Operand = { buffer: fy.buffer, dtype: 'float32' };
  return {
    kernels: [
      ...pre,
      initOutput(ctx, p, yo, fb),
      ...transposeGemm(ctx, p, fx.buffer, fw.buffer, yo),
      ...fy.post,
    ],
  };
}

function transposeGemm(ctx: LowerContext, p: TPlan, x: string, w: string, y: Operand): Kernel[] {
  const { g, N, C, G, Cg, Mg } = p;
  const kv = volume(g.kernel);
  const rowsW = Mg * kv;
  const nhwc = p.layout === 'NHWC';
  const xs = stridesOf(p.layout, C, g.input);
  const [ID, IH, IW] = g.input;
  const tiles = rowTiles(ID, IH, Math.max(1, Math.floor(convTuning.colBudget / (rowsW * IW))));
  const maxCols = Math.max(...tiles.map((t) => t.dn * t.hn * IW));
  const col = ctx.scratch('float32', rowsW * maxCols, 'col2im');
  const kernels: Kernel[] = [];
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < G; grp++) {
      for (const t of tiles) {
        const cols = t.dn * t.hn * IW;
        const start = (t.d0 * IH + t.h0) * IW;
        const wOff = grp * Cg * rowsW;
        // NCHW: col[rowsW, cols] = W_g^T X_g; NHWC: col[cols, rowsW] = X_g W_g
        const gemm: GemmCall = nhwc
          ? {
              op: 'gemm',
              m: cols,
              n: rowsW,
              k: Cg,
              a: matrix(x, n * xs.n + start * C + grp * Cg, C),
              b: matrix(w, wOff, rowsW),
              c: matrix(col, 0, rowsW),
              accumulate: false,
            }
          : {
              op: 'gemm',
              m: rowsW,
              n: cols,
              k: Cg,
              a: matrix(w, wOff, 1, rowsW),
              b: matrix(x, n * xs.n + grp * Cg * xs.c + start, xs.c),
              c: matrix(col, 0, cols),
              accumulate: false,
            };
        kernels.push(kernel(ctx, `${p.stem}_gemm_f32`, [gemm]));
        kernels.push(col2im(ctx, p, t, n, grp, col, y));
      }
    }
  }
  return kernels;
}

function col2im(
  ctx: LowerContext,
  p: TPlan,
  t: RowTile,
  n: number,
  grp: number,
  col: string,
  y: Operand,
): Kernel {
  const { g, M, Mg } = p;
  const kv = volume(g.kernel);
  const [, , IW] = g.input;
  const cols = t.dn * t.hn * IW;
  const nhwc = p.layout === 'NHWC';
  const ys = stridesOf(p.layout, M, g.output);
  const f = ctx.fresh('c2i');
  const mm = levelVar(`${f}m`, Mg);
  const box: [number, number][] = [
    [t.d0, t.d0 + t.dn],
    [t.h0, t.h0 + t.hn],
    [0, IW],
  ];
  const yBase = ix(n * ys.n + grp * Mg * ys.c, [[mm, ys.c]]);
  const body = scatterTaps(p, f, box, y, yBase, (tap, vars, starts) => {
    // column position of input (id, ih, iw) inside this tile
    const pos = ((starts[0]! - t.d0) * t.hn + (starts[1]! - t.h0)) * IW + starts[2]!;
    const posTerms: [string | undefined, number][] = [
      [vars[0], t.hn * IW],
      [vars[1], IW],
      [vars[2], 1],
    ];
    const index = nhwc
      ? ix(pos * Mg * kv + tap, [
          [mm, kv],
          ...posTerms.map(([v, s]) => [v, s * Mg * kv] as [string | undefined, number]),
        ])
      : ix(tap * cols + pos, [[mm, kv * cols], ...posTerms]);
    return load(col, 'float32', index);
  });
  return kernel(ctx, `${p.stem}_col2im_f32`, nest([{ v: mm, extent: Mg }], body, true));
}

/** float64: Y[n, m, target] += X[n, c, i] * W[c, mm, tap], scattered tap by tap. */
function transposeDirect(ctx: LowerContext, p: TPlan, x: Operand, w: Operand, y: Operand): Kernel {
  const { g, N, C, M, G, Cg, Mg } = p;
  const kv = volume(g.kernel);
  const t = computeType(y.dtype);
  const xs = stridesOf(p.layout, C, g.input);
  const ys = stridesOf(p.layout, M, g.output);
  const f = ctx.fresh('dc');
  const [n, grp, mm, c] = [
    levelVar(`${f}n`, N),
    levelVar(`${f}g`, G),
    levelVar(`${f}m`, Mg),
    levelVar(`${f}c`, Cg),
  ];
  const box: [number, number][] = g.input.map((d) => [0, d] as [number, number]);
  const yBase = ix(0, [
    [n, ys.n],
    [grp, Mg * ys.c],
    [mm, ys.c],
  ]);
  const body = scatterTaps(p, f, box, y, yBase, (tap, vars, starts) => {
    const xOff = starts.reduce((s, st, a) => s + st * xs.s[a]!, 0);
    const xv = load(
      x.buffer,
      x.dtype,
      ix(xOff, [
        [n, xs.n],
        [grp, Cg * xs.c],
        [c, xs.c],
        ...vars.map((v, a) => [v, xs.s[a]!] as [string | undefined, number]),
      ]),
    );
    const wv = load(
      w.buffer,
      w.dtype,
      ix(tap, [
        [grp, Cg * Mg * kv],
        [c, Mg * kv],
        [mm, kv],
      ]),
    );
    return binary('mul', t, xv, wv);
  });
  // channels of one group add onto the same outputs: only the loops above them are parallel
  const outer = [
    { v: n, extent: N },
    { v: grp, extent: G },
    { v: mm, extent: Mg },
  ];
  const inner = nest([{ v: c, extent: Cg }], body);
  return kernel(
    ctx,
    `${p.stem}_direct_${suffix(y.dtype)}`,
    outer.some((l) => l.v) ? nest(outer, inner, true) : inner,
  );
}

registerLowerings({ ConvTranspose: lowerConvTranspose });
