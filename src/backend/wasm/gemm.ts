import type { GemmCall } from '../kernel/ir.js';
import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import { RenderError, type KernelContext } from './context.js';
import { columnTiles, columnTilesApply } from './gemm-column.js';
import { dotTile, splatTile, type GemmTile } from './gemm-simd.js';
import {
  at,
  elementBytes,
  layoutOf,
  loadElement,
  scalarInit,
  scalarStore,
  type GemmLayout,
  type GemmShifts,
} from './gemm-common.js';
import { countedLoop } from './loops.js';

/**
 * C[M,N] (=|+=) A[M,K] * B[K,N] (+ bias) (+ residual), activation, clamp. Three generators, picked
 * per call from the strides (all constants):
 *  - splat:  B rows contiguous (colStride 1, plain or packed in column panels): MR x NR tiles of f32x4
 *            accumulators, K innermost, one A element splatted against NR/4 B vectors per row
 *            (XNNPACK's wasmsimd "splat" scheme); MR x NR comes from the packed operands' panel
 *            widths, else the call's `tile`, else 4 x 8; leftover columns take narrower tiles down to
 *            one partial vector that loads and stores only its lanes;
 *  - dot:    A rows and B columns contiguous (B transposed): 4 x 2 tiles of dot products over K in
 *            f32x4 lanes, reduced horizontally at the end;
 *  - scalar: anything else (negative strides, targets without SIMD).
 * Edges are smaller tiles of the same generators, or, for the leftover columns of a row-packed A,
 * column tiles (gemm-column.ts); tiles start at panel boundaries of packed operands.
 * With threads, rows (or columns, when there are more column tiles than row tiles) are split into
 * equal shares of tiles; thread `tid` runs its share.
 */

/**
 * This thread's share of one dimension: [start, fullEnd) in whole units (row blocks of mr, or column
 * groups of the widest tile), plus the leftover (extent % unit) when `tail` holds.
 */
interface Share {
  readonly start: () => Ref;
  readonly fullEnd: () => Ref;
  readonly tail: (() => Ref) | undefined;
  readonly dynamic: boolean;
}

interface Tiling {
  readonly tile: GemmTile;
  readonly mr: number;
  /** Tile widths, widest first: the widest covers whole column groups, the rest the leftover. */
  readonly widths: readonly number[];
}

const DEFAULT_TILE = { mr: 4, nr: 8 } as const;
const DOT_MR = 4;
const NARROW = [8, 4, 3, 2, 1];

/** The generator and tile shape for a call, or undefined for the scalar path. */
export function tilingOf(ctx: KernelContext, g: GemmCall): Tiling | undefined {
  for (const r of [g.c, g.residual]) {
    if (r?.panels) throw new RenderError('gemm C and residual cannot be panel-packed');
  }
  const strides = [g.a, g.b, g.c, ...(g.residual ? [g.residual] : [])].flatMap((r) => [
    r.rowStride,
    r.colStride,
  ]);
  const simd = ctx.target.simd && strides.every((s) => s >= 0);
  if (!simd) return undefined;
  const packed = g.a.panels !== undefined || g.b.panels !== undefined;
  // the dot tile reads whole f32x4 rows of A and columns of B: float32 operands only
  const half = g.a.half !== undefined || g.b.half !== undefined;
  const dot = !packed && !half && g.a.colStride === 1 && g.b.rowStride === 1 && g.k >= 4;
  if (g.b.colStride === 1 && (g.n >= 8 || !dot || packed)) {
    const mr = g.a.panels?.along === 'row' ? g.a.panels.width : (g.tile?.mr ?? DEFAULT_TILE.mr);
    const nr = g.b.panels?.along === 'col' ? g.b.panels.width : (g.tile?.nr ?? DEFAULT_TILE.nr);
    if (g.a.panels?.along === 'col' || g.b.panels?.along === 'row' || mr < 1 || nr < 1 || nr > 32) {
      throw new RenderError(
        `gemm tile ${mr}x${nr} over A panels ${g.a.panels?.along} and B ${g.b.panels?.along}`,
      );
    }
    return { tile: splatTile, mr, widths: [nr, ...NARROW.filter((w) => w < nr)] };
  }
  if (dot) return { tile: dotTile, mr: DOT_MR, widths: [2, 1] };
  return undefined;
}

/** `shifts` move operands by run-time byte counts (a batch of equal calls in a loop, gemm-batch.ts). */
export function renderGemm(ctx: KernelContext, g: GemmCall, split = false, shifts: GemmShifts = {}): Ref {
  const m = ctx.m;
  if (g.m <= 0 || g.n <= 0) return m.nop();
  if (g.k < 0) throw new RenderError(`gemm with k = ${g.k}`);
  const layout = layoutOf(ctx, g, shifts);
  const tiling = tilingOf(ctx, g);
  const threads = split && ctx.target.threads;
  if (!tiling) {
    const rows = share(ctx, g.m, 1, threads);
    return seq(m, [...rows.setup, scalarColumns(ctx, layout, 0, g.n, rows.share, 1)]);
  }
  const { mr } = tiling;
  // split whichever dimension has more units of work (batch-1 layers have one row block)
  const width = tiling.widths[0]!;
  const byColumns = threads && Math.floor(g.n / width) > Math.ceil(g.m / mr);
  const rows = share(ctx, g.m, mr, threads && !byColumns);
  const cols = share(ctx, g.n, width, byColumns);
  return seq(m, [...rows.setup, ...cols.setup, ...blocked(ctx, layout, tiling, rows.share, cols.share)]);
}

function share(
  ctx: KernelContext,
  extent: number,
  unit: number,
  split: boolean,
): { setup: Ref[]; share: Share } {
  const m = ctx.m;
  const full = extent - (extent % unit);
  if (!split) {
    return {
      setup: [],
      share: {
        start: () => m.i32.const(0),
        fullEnd: () => m.i32.const(full),
        tail: extent % unit ? () => m.i32.const(1) : undefined,
        dynamic: false,
      },
    };
  }
  // units [tid*n/threads, (tid+1)*n/threads), in 64-bit so large counts cannot overflow
  const n = Math.ceil(extent / unit);
  const [lo, hi] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
  const at = (t: Ref): Ref =>
    m.i32.mul(
      m.i32.wrap(
        m.i64.div_u(m.i64.mul(m.i64.extend_u(t), m.i64.const(BigInt(n))), m.i64.extend_u(ctx.threads.get())),
      ),
      m.i32.const(unit),
    );
  const setup = [
    lo.set(at(ctx.tid.get())),
    hi.set(at(m.i32.add(ctx.tid.get(), m.i32.const(1)))),
    // the last share ends at the leftover, which it also runs
    m.if(m.i32.gt_s(hi.get(), m.i32.const(full)), hi.set(m.i32.const(full))),
  ];
  const last = (): Ref => m.i32.eq(m.i32.add(ctx.tid.get(), m.i32.const(1)), ctx.threads.get());
  return {
    setup,
    share: { start: lo.get, fullEnd: hi.get, tail: extent % unit ? last : undefined, dynamic: true },
  };
}

/**
 * The widest tiles over the thread's columns and rows, then narrower tiles for the leftover
 * columns (each over the thread's rows).
 */
function blocked(ctx: KernelContext, L: GemmLayout, tiling: Tiling, rows: Share, cols: Share): Ref[] {
  const m = ctx.m;
  const { g } = L;
  const { tile: tiles, mr } = tiling;
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
  const widest = tiling.widths[0]!;
  let col = g.n - (g.n % widest);
  if (col > 0) {
    if (!cols.dynamic && col === widest) code.push(seq(m, [j.set(m.i32.const(0)), ...overRows(widest)]));
    else
      code.push(
        countedLoop(ctx, j, cols.start(), cols.fullEnd, widest, () => overRows(widest), cols.dynamic),
      );
  }
  const leftover: Ref[] = [];
  if (col < g.n && tiling.tile === splatTile && columnTilesApply(g, mr)) {
    leftover.push(...columnTiles(ctx, L, { j0: col, j1: g.n }, rows));
    col = g.n;
  }
  for (const width of tiling.widths.slice(1)) {
    const count = Math.floor((g.n - col) / width);
    if (count === 0) continue;
    const end = col + count * width;
    if (count === 1) leftover.push(seq(m, [j.set(m.i32.const(col)), ...overRows(width)]));
    else
      leftover.push(
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
  if (col < g.n) leftover.push(scalarColumns(ctx, L, col, g.n, rows, mr));
  if (leftover.length)
    code.push(cols.dynamic && cols.tail ? m.if(cols.tail(), seq(m, leftover)) : seq(m, leftover));
  return code;
}

/** Scalar dot products for columns [j0, j1) of the thread's rows. */
function scalarColumns(
  ctx: KernelContext,
  L: GemmLayout,
  j0: number,
  j1: number,
  rows: Share,
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
  const [kk, pa, pb] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
  const s = ctx.temp(binaryen.f32);
  const code: Ref[] = [s.set(scalarInit(ctx, L, i.get, j.get))];
  if (g.k > 0) {
    // a K step moves a packed operand by its in-panel stride too: panels cut rows of A and columns of B
    const zero = (): Ref => m.i32.const(0);
    code.push(
      pa.set(at(ctx, L.a, g.a, i.get, zero)),
      pb.set(at(ctx, L.b, g.b, zero, j.get)),
      countedLoop(
        ctx,
        kk,
        m.i32.const(0),
        () => m.i32.const(g.k),
        1,
        () => [
          s.set(
            m.f32.add(s.get(), m.f32.mul(loadElement(ctx, g.a, pa.get()), loadElement(ctx, g.b, pb.get()))),
          ),
          pa.set(m.i32.add(pa.get(), m.i32.const(elementBytes(g.a) * g.a.colStride))),
          pb.set(m.i32.add(pb.get(), m.i32.const(elementBytes(g.b) * g.b.rowStride))),
        ],
        false,
      ),
    );
  }
  code.push(...scalarStore(ctx, L, i.get, j.get, s));
  return seq(m, code);
}
