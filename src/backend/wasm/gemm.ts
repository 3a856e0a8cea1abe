import type { GemmCall, MatrixRef } from '../kernel/ir.js';
import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import { RenderError, type KernelContext } from './context.js';
import { dotTile, splatTile, type GemmTiles } from './gemm-simd.js';
import { at, clampScalar, scalarInit, type GemmLayout } from './gemm-common.js';
import { countedLoop } from './loops.js';

/**
 * C[M,N] (=|+=) A[M,K] * B[K,N] (+ bias) then clamp. Three generators, picked per call from the
 * strides (all constants):
 *  - splat:  B rows contiguous (colStride 1): MR x 8 tiles of f32x4 accumulators, K innermost, one
 *            A element splatted against two B vectors per row (XNNPACK's wasmsimd "splat" scheme);
 *            the N % 4 leftover columns are one partial vector that loads and stores only its lanes;
 *  - dot:    A rows and B columns contiguous (B transposed): 4 x 2 tiles of dot products over K in
 *            f32x4 lanes, reduced horizontally at the end;
 *  - scalar: anything else (negative strides, targets without SIMD).
 * Edges are smaller tiles of the same generators. With threads, rows are split into equal shares of
 * row blocks; thread `tid` runs its share.
 */

/** Rows [start, fullEnd) in whole blocks of `mr`, then the M % mr leftover rows when `tail`. */
interface RowShare {
  readonly start: () => Ref;
  readonly fullEnd: () => Ref;
  readonly tail: (() => Ref) | undefined;
  readonly dynamic: boolean;
}

export const SPLAT_MR = 5;
export const DOT_MR = 4;

export function renderGemm(ctx: KernelContext, g: GemmCall, split = false): Ref {
  const m = ctx.m;
  if (g.m <= 0 || g.n <= 0) return m.nop();
  if (g.k < 0) throw new RenderError(`gemm with k = ${g.k}`);
  const layout: GemmLayout = {
    g,
    a: matrixBase(ctx, g.a),
    b: matrixBase(ctx, g.b),
    c: matrixBase(ctx, g.c),
    bias: g.bias ? ctx.base(g.bias.buffer) + 4 * g.bias.offset : 0,
  };
  const strides = [g.a, g.b, g.c].flatMap((r) => [r.rowStride, r.colStride]);
  const simd = ctx.target.simd && strides.every((s) => s >= 0);
  const dot = simd && g.a.colStride === 1 && g.b.rowStride === 1 && g.k >= 4;
  const splat = simd && g.b.colStride === 1 && (g.n >= 8 || !dot);
  const tiles = splat ? splatTile : dot ? dotTile : undefined;
  const mr = splat ? SPLAT_MR : dot ? DOT_MR : 1;
  const share = rowShare(ctx, g.m, mr, split && ctx.target.threads);
  const body: Ref[] = [...share.setup];
  if (tiles) body.push(...blocked(ctx, layout, tiles, mr, share.rows));
  else body.push(scalarColumns(ctx, layout, 0, g.n, share.rows, mr));
  return seq(m, body);
}

function matrixBase(ctx: KernelContext, r: MatrixRef): number {
  return ctx.base(r.buffer) + 4 * r.offset;
}

function rowShare(
  ctx: KernelContext,
  rows: number,
  mr: number,
  split: boolean,
): { setup: Ref[]; rows: RowShare } {
  const m = ctx.m;
  const full = rows - (rows % mr);
  if (!split) {
    return {
      setup: [],
      rows: {
        start: () => m.i32.const(0),
        fullEnd: () => m.i32.const(full),
        tail: rows % mr ? () => m.i32.const(1) : undefined,
        dynamic: false,
      },
    };
  }
  // blocks [tid*nb/threads, (tid+1)*nb/threads), in 64-bit so large counts cannot overflow
  const nb = Math.ceil(rows / mr);
  const [lo, hi] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
  const share = (t: Ref): Ref =>
    m.i32.mul(
      m.i32.wrap(
        m.i64.div_u(m.i64.mul(m.i64.extend_u(t), m.i64.const(BigInt(nb))), m.i64.extend_u(ctx.threads.get())),
      ),
      m.i32.const(mr),
    );
  const setup = [
    lo.set(share(ctx.tid.get())),
    hi.set(share(m.i32.add(ctx.tid.get(), m.i32.const(1)))),
    // the last share ends at the leftover rows, which it also runs
    m.if(m.i32.gt_s(hi.get(), m.i32.const(full)), hi.set(m.i32.const(full))),
  ];
  return {
    setup,
    rows: {
      start: lo.get,
      fullEnd: hi.get,
      tail:
        rows % mr ? () => m.i32.eq(m.i32.add(ctx.tid.get(), m.i32.const(1)), ctx.threads.get()) : undefined,
      dynamic: true,
    },
  };
}

/** Column groups of the tile generator, each over the thread's rows; leftover columns run scalar. */
function blocked(ctx: KernelContext, L: GemmLayout, tiles: GemmTiles, mr: number, rows: RowShare): Ref[] {
  const m = ctx.m;
  const { g } = L;
  const code: Ref[] = [];
  const i = ctx.temp(binaryen.i32);
  const j = ctx.temp(binaryen.i32);
  const full = g.m - (g.m % mr);
  const overRows = (width: number): Ref[] => {
    const parts: Ref[] = [];
    if (full > 0) {
      parts.push(
        countedLoop(ctx, i, rows.start(), rows.fullEnd, mr, () => [tiles(ctx, L, i, j, mr, width)], true),
      );
    }
    if (rows.tail !== undefined) {
      const tail = seq(m, [i.set(m.i32.const(full)), tiles(ctx, L, i, j, g.m % mr, width)]);
      parts.push(rows.dynamic ? m.if(rows.tail(), tail) : tail);
    }
    return parts;
  };
  let col = 0;
  for (const width of tiles.widths) {
    const count = Math.floor((g.n - col) / width);
    if (count === 0) continue;
    const end = col + count * width;
    if (count === 1) code.push(seq(m, [j.set(m.i32.const(col)), ...overRows(width)]));
    else
      code.push(
        countedLoop(
          ctx,
          j,
          m.i32.const(col),
          () => m.i32.const(end),
          width,
          () => overRows(width),
          false,
        ),
      );
    col = end;
  }
  if (col < g.n) code.push(scalarColumns(ctx, L, col, g.n, rows, mr));
  return code;
}

/** Scalar dot products for columns [j0, j1) of the thread's rows. */
function scalarColumns(
  ctx: KernelContext,
  L: GemmLayout,
  j0: number,
  j1: number,
  rows: RowShare,
  mr: number,
): Ref {
  const m = ctx.m;
  const { g } = L;
  const i = ctx.temp(binaryen.i32);
  const j = ctx.temp(binaryen.i32);
  const perRow = (): Ref[] => [
    countedLoop(
      ctx,
      j,
      m.i32.const(j0),
      () => m.i32.const(j1),
      1,
      () => [scalarDot(ctx, L, i, j)],
      false,
    ),
  ];
  const full = g.m - (g.m % mr);
  const parts: Ref[] = [];
  if (full > 0) parts.push(countedLoop(ctx, i, rows.start(), rows.fullEnd, 1, perRow, true));
  if (rows.tail !== undefined) {
    const tail = countedLoop(ctx, i, m.i32.const(full), () => m.i32.const(g.m), 1, perRow, false);
    parts.push(rows.dynamic ? m.if(rows.tail(), tail) : tail);
  }
  return seq(m, parts);
}

function scalarDot(ctx: KernelContext, L: GemmLayout, i: Local, j: Local): Ref {
  const m = ctx.m;
  const { g } = L;
  const [pa, pb, kk] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
  const s = ctx.temp(binaryen.f32);
  const code: Ref[] = [s.set(scalarInit(ctx, L, i.get, j.get))];
  if (g.k > 0) {
    code.push(
      pa.set(at(ctx, L.a, g.a, i.get(), m.i32.const(0))),
      pb.set(at(ctx, L.b, g.b, m.i32.const(0), j.get())),
      countedLoop(
        ctx,
        kk,
        m.i32.const(0),
        () => m.i32.const(g.k),
        1,
        () => [
          s.set(m.f32.add(s.get(), m.f32.mul(m.f32.load(0, 4, pa.get()), m.f32.load(0, 4, pb.get())))),
          pa.set(m.i32.add(pa.get(), m.i32.const(4 * g.a.colStride))),
          pb.set(m.i32.add(pb.get(), m.i32.const(4 * g.b.rowStride))),
        ],
        false,
      ),
    );
  }
  code.push(m.f32.store(0, 4, at(ctx, L.c, g.c, i.get(), j.get()), clampScalar(ctx, g, s.get())));
  return seq(m, code);
}
