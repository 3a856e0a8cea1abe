import type { DType } from '../../../ir/dtype.js';
import type { GemmCall, Kernel, MatrixRef } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { halfOf, inHalf, kernel, matrix } from './common.js';
import { padInput, xStrides, yStrides, type ConvPlan } from './conv-plan.js';
import { rowTiles, volume, type Geometry } from './geometry.js';
import type { Tile } from './gemm-tile.js';
import { copyBox } from './nest.js';

/**
 * float32 Conv as GEMMs. NCHW: per image and group Y_g[Mg, OHW] = W_g[Mg, K] x col[K, OHW] with
 * the bias along rows; NHWC: Y[OHW, Mg] = col[OHW, K] x Wt_g[K, Mg] with the bias along columns.
 * Constant weights come packed in the register tile's panels (conv.ts); the fused epilogue rides on
 * every call, its residual at the offsets of C.
 * A 1x1 stride-1 unpadded conv multiplies the input directly; otherwise an im2col buffer is built
 * per tile of output rows (bounded by convTuning.colBudget elements, so a 640x480 image never needs a
 * kernel-volume copy of itself) from the zero-padded input.
 */
export const convTuning = {
  /** Elements of one im2col buffer (8 MiB of float32); tests shrink it to exercise tiling. */
  colBudget: 1 << 21,
};

export interface ConvBuffers {
  /** float32 buffers: X in the node's layout; W as [M, Cg*kv] (NCHW) or [Cg*kv, M] tap-major (NHWC). */
  readonly x: string;
  readonly w: string;
  readonly bias: string | undefined;
  readonly y: string;
  /** X's and Y's storage when not float32: auto-cast's 16-bit activations, widened and rounded in the kernels. */
  readonly xType?: DType;
  readonly yType?: DType;
}

/** The GEMM paths' operands: ConvBuffers with the weights as (maybe panel-packed) matrices. */
export interface GemmConvOperands extends Omit<ConvBuffers, 'w'> {
  /** Group g's weights: A [Mg, Cg*kv] (NCHW) or tap-major B [Cg*kv, Mg] (NHWC). */
  readonly w: (grp: number) => MatrixRef;
  readonly tile: Tile;
  /** The fused epilogue's GemmCall fields for a call writing `c`. */
  readonly epilogue: (c: MatrixRef) => Pick<GemmCall, 'residual' | 'activation'>;
}

/**
 * The row stride of an im2col matrix of `cols` floats. The micro-kernel walks a column panel down K
 * rows; rows a large even number of cache lines apart share few L1 sets (12544 bytes apart: 16 of
 * 64), so a 576-row panel evicts itself between row tiles. Padding such rows to an odd number of
 * lines measured +6% GEMM throughput on resnet18's 56x56 3x3 convs; short rows (under 4 KiB) share
 * lines with their neighbours and stay unpadded (padding 49 to 80 floats measured -3%).
 */
export function leadingDim(cols: number): number {
  const lines = Math.ceil(cols / 16);
  if (cols < 1024 || lines % 2) return cols;
  return 16 * (lines + 1);
}

export function isPointwise(g: Geometry): boolean {
  return (
    g.kernel.every((k) => k === 1) &&
    g.strides.every((s) => s === 1) &&
    g.padBegin.every((v) => v === 0) &&
    g.padEnd.every((v) => v === 0)
  );
}

function call(
  buf: GemmConvOperands,
  dims: { m: number; n: number; k: number },
  a: MatrixRef,
  b: MatrixRef,
  c: MatrixRef,
  bias: GemmCall['bias'] | undefined,
): GemmCall {
  return {
    op: 'gemm',
    ...dims,
    a,
    b,
    c,
    accumulate: false,
    ...(bias ? { bias } : {}),
    ...buf.epilogue(c),
    tile: buf.tile,
  };
}

export function convGemmNchw(ctx: LowerContext, p: ConvPlan, buf: GemmConvOperands): Kernel[] {
  const { g, N, G, Cg, Mg } = p;
  const kv = volume(g.kernel);
  const KK = Cg * kv;
  const sIn = volume(g.input);
  const sOut = volume(g.output);
  const xs = xStrides(p);
  const ys = yStrides(p);
  const bias = (grp: number): GemmCall['bias'] | undefined =>
    buf.bias ? { buffer: buf.bias, offset: grp * Mg, along: 'row' } : undefined;
  const xType = buf.xType ?? 'float32';
  const xHalf = halfOf(xType);
  const yAt = (offset: number, rowStride: number): MatrixRef =>
    inHalf(matrix(buf.y, offset, rowStride), halfOf(buf.yType ?? 'float32'));
  const kernels: Kernel[] = [];
  if (isPointwise(g)) {
    for (let n = 0; n < N; n++) {
      const calls = Array.from({ length: G }, (_, grp) =>
        call(
          buf,
          { m: Mg, n: sIn, k: Cg },
          buf.w(grp),
          inHalf(matrix(buf.x, n * xs.n + grp * Cg * xs.c, xs.c), xHalf),
          yAt(n * ys.n + grp * Mg * ys.c, ys.c),
          bias(grp),
        ),
      );
      kernels.push(kernel(ctx, `${p.stem}_gemm_f32`, calls));
    }
    return kernels;
  }
  const padded = padInput(ctx, p, { buffer: buf.x, dtype: xType });
  kernels.push(...padded.kernels);
  const gp = padded.g;
  const ps = xStrides(p, gp.input);
  const [OD, OH, OW] = g.output;
  const tiles = rowTiles(OD, OH, Math.max(1, Math.floor(convTuning.colBudget / (KK * OW))));
  const maxCols = Math.max(...tiles.map((t) => t.dn * t.hn * OW));
  const col = ctx.scratch('float32', KK * leadingDim(maxCols), 'im2col');
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < G; grp++) {
      for (const t of tiles) {
        const cols = t.dn * t.hn * OW;
        const ld = leadingDim(cols);
        const [KD, KH, KW] = g.kernel;
        const [sd, sh, sw] = gp.strides;
        const [dd, dh, dw] = gp.dilations;
        // col[(c, kd, kh, kw), (od, oh, ow)] = padded[c, od*sd + kd*dd, oh*sh + kh*dh, ow*sw + kw*dw]
        const body = copyBox(
          ctx.fresh('ic'),
          'float32',
          [Cg, KD, KH, KW, t.dn, t.hn, OW],
          {
            buffer: padded.buffer,
            dtype: xType,
            offset: n * ps.n + grp * Cg * ps.c + t.d0 * sd * ps.s[0] + t.h0 * sh * ps.s[1],
            strides: [
              ps.c,
              dd * ps.s[0],
              dh * ps.s[1],
              dw * ps.s[2],
              sd * ps.s[0],
              sh * ps.s[1],
              sw * ps.s[2],
            ],
          },
          { buffer: col, offset: 0, strides: [kv * ld, KH * KW * ld, KW * ld, ld, t.hn * OW, OW, 1] },
        );
        kernels.push(kernel(ctx, `${p.stem}_im2col_f32`, body));
        const out = n * ys.n + grp * Mg * ys.c + (t.d0 * OH + t.h0) * OW;
        const gemm = call(
          buf,
          { m: Mg, n: cols, k: KK },
          buf.w(grp),
          matrix(col, 0, ld),
          yAt(out, sOut),
          bias(grp),
        );
        kernels.push(kernel(ctx, `${p.stem}_gemm_f32`, [gemm]));
      }
    }
  }
  return kernels;
}

export function convGemmNhwc(ctx: LowerContext, p: ConvPlan, buf: GemmConvOperands): Kernel[] {
  const { g, N, C, M, G, Cg, Mg } = p;
  const kv = volume(g.kernel);
  const KK = Cg * kv;
  const sIn = volume(g.input);
  const ys = yStrides(p);
  const bias = (grp: number): GemmCall['bias'] | undefined =>
    buf.bias ? { buffer: buf.bias, offset: grp * Mg, along: 'col' } : undefined;
  const xType = buf.xType ?? 'float32';
  const yAt = (offset: number): MatrixRef => inHalf(matrix(buf.y, offset, M), halfOf(buf.yType ?? 'float32'));
  if (isPointwise(g)) {
    // every image's pixels stack into one tall matrix per group
    const calls = Array.from({ length: G }, (_, grp) =>
      call(
        buf,
        { m: N * sIn, n: Mg, k: Cg },
        inHalf(matrix(buf.x, grp * Cg, C), halfOf(xType)),
        buf.w(grp),
        yAt(grp * Mg),
        bias(grp),
      ),
    );
    return [kernel(ctx, `${p.stem}_gemm_f32`, calls)];
  }
  const kernels: Kernel[] = [];
  const padded = padInput(ctx, p, { buffer: buf.x, dtype: xType });
  kernels.push(...padded.kernels);
  const gp = padded.g;
  const ps = xStrides(p, gp.input);
  const [OD, OH, OW] = g.output;
  const tiles = rowTiles(OD, OH, Math.max(1, Math.floor(convTuning.colBudget / (KK * OW))));
  const maxRows = Math.max(...tiles.map((t) => t.dn * t.hn * OW));
  const col = ctx.scratch('float32', KK * maxRows, 'im2col');
  const [KD, KH, KW] = g.kernel;
  const [sd, sh, sw] = gp.strides;
  const [dd, dh, dw] = gp.dilations;
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < G; grp++) {
      for (const t of tiles) {
        const rows = t.dn * t.hn * OW;
        // col[(od, oh, ow), (kd, kh, kw, c)] = padded[od*sd + kd*dd, oh*sh + kh*dh, ow*sw + kw*dw, c]
        const body = copyBox(
          ctx.fresh('ic'),
          'float32',
          [t.dn, t.hn, OW, KD, KH, KW, Cg],
          {
            buffer: padded.buffer,
            dtype: xType,
            offset: n * ps.n + grp * Cg + t.d0 * sd * ps.s[0] + t.h0 * sh * ps.s[1],
            strides: [sd * ps.s[0], sh * ps.s[1], sw * ps.s[2], dd * ps.s[0], dh * ps.s[1], dw * ps.s[2], 1],
          },
          { buffer: col, offset: 0, strides: [t.hn * OW * KK, OW * KK, KK, KH * KW * Cg, KW * Cg, Cg, 1] },
        );
        kernels.push(kernel(ctx, `${p.stem}_im2col_f32`, body));
        const out = n * ys.n + (t.d0 * OH + t.h0) * OW * M + grp * Mg;
        const gemm = call(
          buf,
          { m: rows, n: Mg, k: KK },
          matrix(col, 0, KK),
          buf.w(grp),
          yAt(out),
          bias(grp),
        );
        kernels.push(kernel(ctx, `${p.stem}_gemm_f32`, [gemm]));
      }
    }
  }
  return kernels;
}
