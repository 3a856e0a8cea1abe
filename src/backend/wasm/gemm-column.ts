import type { GemmCall } from '../kernel/ir.js';
import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { addressOf, at, elementBytes, type GemmLayout } from './gemm-common.js';
import { HalfMasks, loadHalfs, splatHalf, widenHalfs } from './gemm-half.js';
import { finishVector } from './gemm-epilogue.js';
import { grid, loadLanes, loadPartial, madd, storeLanes, type Lanes } from './gemm-vector.js';
import { countedLoop } from './loops.js';

/**
 * Column tiles: the narrow leftover columns (N % NR) of a GEMM whose A is packed in row panels,
 * turned around. Each accumulator holds 4 rows of one column: acc[q][c] += A[i+4q .. +3, k] *
 * splat(B[k, j+c]), where the 4 rows are one vector load from the k-major panel. A splat tile
 * spends a whole row tile's time on such a column for 1/8 of its lanes: resnet18's 7x7 convs
 * (512 x 49 x 4608) took 6.4 ms against 5.3 ms for 48 columns; with column tiles, 5.5 ms.
 */

const v128 = binaryen.v128;
const i32 = binaryen.i32;

/** A's rows come 4 to a vector: row panels of a multiple of 4, rows contiguous inside. */
export function columnTilesApply(g: GemmCall, mr: number): boolean {
  const p = g.a.panels;
  return p?.along === 'row' && p.width === mr && p.width % 4 === 0 && g.a.rowStride === 1;
}

/** Row vectors per tile for `width` columns: 8 accumulators, and the A vectors held across columns. */
function vectorsFor(width: number, panel: number): number {
  const q = width === 1 ? 8 : Math.max(1, Math.floor(8 / width));
  const perPanel = panel / 4;
  return Math.max(perPanel, Math.floor(q / perPanel) * perPanel);
}

/**
 * Columns [j0, j1) over the rows [start, fullEnd) (whole panels) and, when `tail` holds, the last
 * `m % panel` rows: chunks of up to 4 columns, each down the rows in tiles of 4q rows.
 */
export function columnTiles(
  ctx: KernelContext,
  L: GemmLayout,
  cols: { readonly j0: number; readonly j1: number },
  rows: { readonly start: () => Ref; readonly fullEnd: () => Ref; readonly tail: (() => Ref) | undefined },
): Ref[] {
  const m = ctx.m;
  const { g } = L;
  const panel = g.a.panels!.width;
  const full = g.m - (g.m % panel);
  const [i, j] = [ctx.temp(i32), ctx.temp(i32)];
  const code: Ref[] = [];
  for (let j0 = cols.j0; j0 < cols.j1; j0 += 4) {
    const width = Math.min(4, cols.j1 - j0);
    const q = vectorsFor(width, panel);
    const tile = (vectors: number, valid: number): Ref[] => [columnTile(ctx, L, i, j, vectors, width, valid)];
    code.push(j.set(m.i32.const(j0)), i.set(rows.start()));
    if (full > 0) {
      // whole tiles while they fit, then one panel at a time
      const fits = (): Ref => m.i32.sub(rows.fullEnd(), m.i32.const(4 * q - 1));
      code.push(countedLoop(ctx, i, i.get(), fits, 4 * q, () => tile(q, 4 * q), true));
      if (q > panel / 4) {
        code.push(countedLoop(ctx, i, i.get(), rows.fullEnd, panel, () => tile(panel / 4, panel), true));
      }
    }
    if (rows.tail) {
      const rest = g.m - full;
      const last = seq(m, [i.set(m.i32.const(full)), ...tile(Math.ceil(rest / 4), rest)]);
      code.push(m.if(rows.tail(), last));
    }
  }
  return code;
}

/** `vectors` x 4 rows from i (the first `valid` of them real) by `width` columns from j. */
function columnTile(
  ctx: KernelContext,
  L: GemmLayout,
  i: Local,
  j: Local,
  vectors: number,
  width: number,
  valid: number,
): Ref {
  const m = ctx.m;
  const { g } = L;
  const p = g.a.panels!;
  const acc = grid(vectors, width, () => ctx.temp(v128));
  const [pa, pb, pc, pr, pbias, kk] = Array.from({ length: 6 }, () => ctx.temp(i32)) as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const lanes = (q: number): number => Math.min(4, valid - 4 * q);
  const down = (q: number, c: number): Lanes => ({ r: 4 * q, c, along: 'col', lanes: lanes(q) });
  // rows i+4q.. of the panels: the tile starts at a panel, so offsets are constants
  const aOffset = (q: number): number =>
    elementBytes(g.a) * (Math.floor((4 * q) / p.width) * p.stride + ((4 * q) % p.width));
  const aHalf = g.a.half;
  const masks = HalfMasks.of(ctx);
  const init = (q: number, c: number): Ref => {
    let v: Ref = m.v128.const(new Array<number>(16).fill(0));
    if (g.bias?.along === 'row') v = loadPartial(ctx, pbias.get, 16 * q, lanes(q));
    else if (g.bias?.along === 'col') v = m.v128.load32_splat(4 * c, 4, pbias.get());
    return g.accumulate ? m.f32x4.add(v, loadLanes(ctx, g.c, pc, down(q, c))) : v;
  };
  const step = (): Ref[] => {
    const b = ctx.temp(v128);
    const held = width > 1 ? Array.from({ length: vectors }, () => ctx.temp(v128)) : [];
    const aLoad = (q: number): Ref =>
      aHalf
        ? widenHalfs(ctx, masks, aHalf, loadHalfs(ctx, pa.get(), aOffset(q), 4), 0)
        : m.v128.load(aOffset(q), 4, pa.get());
    const body: Ref[] = held.map((a, q) => a.set(aLoad(q)));
    for (let c = 0; c < width; c++) {
      const bHalf = g.b.half;
      body.push(
        b.set(
          bHalf
            ? splatHalf(ctx, masks, bHalf, pb.get(), 2 * c * g.b.colStride)
            : m.v128.load32_splat(4 * c * g.b.colStride, 4, pb.get()),
        ),
      );
      for (let q = 0; q < vectors; q++) {
        body.push(acc[q]![c]!.set(madd(ctx, held[q]?.get() ?? aLoad(q), b.get(), acc[q]![c]!.get())));
      }
    }
    body.push(
      pa.set(m.i32.add(pa.get(), m.i32.const(elementBytes(g.a) * g.a.colStride))),
      pb.set(m.i32.add(pb.get(), m.i32.const(elementBytes(g.b) * g.b.rowStride))),
    );
    return body;
  };
  const store = (q: number, c: number): Ref => {
    const t = ctx.temp(v128);
    const residual = g.residual ? loadLanes(ctx, g.residual, pr, down(q, c)) : undefined;
    return seq(m, [
      t.set(acc[q]![c]!.get()),
      ...finishVector(ctx, g, t, residual),
      storeLanes(ctx, g.c, pc, down(q, c), t),
    ]);
  };
  const zero = (): Ref => m.i32.const(0);
  const code: Ref[] = [pc.set(at(ctx, L.c, g.c, i.get, j.get))];
  if (g.bias) {
    const along = g.bias.along === 'row' ? i : j;
    code.push(pbias.set(m.i32.add(addressOf(ctx, L.bias), m.i32.mul(along.get(), m.i32.const(4)))));
  }
  for (let q = 0; q < vectors; q++) for (let c = 0; c < width; c++) code.push(acc[q]![c]!.set(init(q, c)));
  if (g.k > 0) {
    const loop = countedLoop(ctx, kk, m.i32.const(0), () => m.i32.const(g.k), 1, step, false);
    code.push(pa.set(at(ctx, L.a, g.a, i.get, zero)), pb.set(at(ctx, L.b, g.b, zero, j.get)), loop);
  }
  if (g.residual) code.push(pr.set(at(ctx, L.r, g.residual, i.get, j.get)));
  for (let q = 0; q < vectors; q++) for (let c = 0; c < width; c++) code.push(store(q, c));
  return seq(m, code);
}
