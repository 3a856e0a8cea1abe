import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { at, elementBytes, scalarInit, scalarStore, type GemmLayout } from './gemm-common.js';
import { HalfMasks, loadHalfs, loadHalfsExact, splatHalf, widenHalfs } from './gemm-half.js';
import { finishVector } from './gemm-epilogue.js';
import { grid, loadLanes, loadPartial, madd, storeLanes, type Lanes } from './gemm-vector.js';
import { countedLoop } from './loops.js';
import { tileFrame, tilePointers } from './gemm-tile-frame.js';
import { pairTile, splitsPairs } from './gemm-bf16-pairs.js';

/**
 * The SIMD tiles of gemm.ts. A tile covers rows [i, i+mr) and `width` columns from j (both locals
 * holding the tile's origin); its per-row and per-column offsets are constants folded into memory
 * immediates, so the K loop is loads, FMAs and two pointer bumps. A tile never straddles a panel of a
 * packed operand (gemm.ts aligns tiles to panels), so inside it a packed operand is plain strided.
 */

export type GemmTile = (
  ctx: KernelContext,
  L: GemmLayout,
  i: Local,
  j: Local,
  mr: number,
  width: number,
) => Ref;

const v128 = binaryen.v128;
const i32 = binaryen.i32;

/**
 * mr x width tile: acc[r][c] += splat(A[i+r,k]) * B[k, j+4c .. j+4c+3]. A last partial vector (width
 * % 4 columns) loads and stores only its lanes. One row holds its B vectors in registers across rows;
 * a one-row tile (GEMV) loads each B vector into its FMA, so 8 accumulators fit without spills.
 */
export const splatTile: GemmTile = (ctx, L, i, j, mr, width) => {
  if (splitsPairs(L.g, mr, width)) return pairTile(ctx, L, i, j, mr, width);
  const m = ctx.m;
  const { g } = L;
  const nv = Math.ceil(width / 4);
  const lanesOf = (c: number): number => Math.min(4, width - 4 * c);
  const row = (r: number, c: number): Lanes => ({ r, c: 4 * c, along: 'row', lanes: lanesOf(c) });
  const acc = grid(mr, nv, () => ctx.temp(v128));
  const pointers = tilePointers(ctx);
  const { pa, pb, pc, pr, pbias } = pointers;
  const init = (r: number, c: number): Ref => {
    let v: Ref = m.v128.const(new Array<number>(16).fill(0));
    if (g.bias?.along === 'col') v = loadPartial(ctx, pbias.get, 16 * c, lanesOf(c));
    else if (g.bias?.along === 'row') v = m.v128.load32_splat(4 * r, 4, pbias.get());
    return g.accumulate ? m.f32x4.add(v, loadLanes(ctx, g.c, pc, row(r, c))) : v;
  };
  const store = (r: number, c: number): Ref => {
    const t = ctx.temp(v128);
    const residual = g.residual ? loadLanes(ctx, g.residual, pr, row(r, c)) : undefined;
    return seq(m, [
      t.set(acc[r]![c]!.get()),
      ...finishVector(ctx, g, t, residual),
      storeLanes(ctx, g.c, pc, row(r, c), t),
    ]);
  };
  const masks = HalfMasks.of(ctx);
  const bHalf = g.b.half;
  // 16-bit B: a one-row tile (GEMV, weight traffic first) loads 8 values at a time, each half widened
  // by its own shuffle; taller tiles, which hold their B vectors in registers, load 4 at a time and
  // widen with one mask (a second mask and the wider loads spilled registers: resnet18's Winograd
  // layers ran 1.5x slower)
  const paired = bHalf !== undefined && mr === 1 && g.b.panels !== undefined;
  const bRaw = paired ? Array.from({ length: Math.ceil(nv / 2) }, () => ctx.temp(v128)) : [];
  const bRawLoads = (): Ref[] =>
    bRaw.map((raw, p) => raw.set(loadHalfs(ctx, pb.get(), 16 * p, Math.min(8, width - 8 * p))));
  const bLoad = (c: number): Ref => {
    if (!bHalf) return loadPartial(ctx, pb.get, 16 * c, lanesOf(c));
    if (paired) return widenHalfs(ctx, masks, bHalf, bRaw[c >> 1]!.get(), (c & 1) as 0 | 1);
    // packed panels are padded (a load may run past a row); activations are read exactly
    const raw = g.b.panels
      ? loadHalfs(ctx, pb.get(), 8 * c, lanesOf(c))
      : loadHalfsExact(ctx, pb.get, 8 * c, lanesOf(c));
    return widenHalfs(ctx, masks, bHalf, raw, 0);
  };
  const aHalf = g.a.half;
  const step = (): Ref[] => {
    const a = ctx.temp(v128);
    const held = mr > 1 ? Array.from({ length: nv }, () => ctx.temp(v128)) : [];
    const body: Ref[] = [...bRawLoads(), ...held.map((b, c) => b.set(bLoad(c)))];
    for (let r = 0; r < mr; r++) {
      body.push(
        a.set(
          aHalf
            ? splatHalf(ctx, masks, aHalf, pa.get(), 2 + 2 * r * g.a.rowStride)
            : m.v128.load32_splat(4 * r * g.a.rowStride, 4, pa.get()),
        ),
      );
      for (let c = 0; c < nv; c++) {
        const b = held[c]?.get() ?? bLoad(c);
        body.push(acc[r]![c]!.set(madd(ctx, a.get(), b, acc[r]![c]!.get())));
      }
    }
    body.push(
      pa.set(m.i32.add(pa.get(), m.i32.const(elementBytes(g.a) * g.a.colStride))),
      pb.set(m.i32.add(pb.get(), m.i32.const(elementBytes(g.b) * g.b.rowStride))),
    );
    return body;
  };
  const inits: Ref[] = [];
  const stores: Ref[] = [];
  for (let r = 0; r < mr; r++) for (let c = 0; c < nv; c++) inits.push(acc[r]![c]!.set(init(r, c)));
  for (let r = 0; r < mr; r++) for (let c = 0; c < nv; c++) stores.push(store(r, c));
  return tileFrame(ctx, L, i, j, pointers, { init: inits, step, stores });
};

const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const SWAP_PAIRS = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];

function horizontalSum(ctx: KernelContext, v: Local): Ref {
  const m = ctx.m;
  const F = m.f32x4;
  return seq(m, [
    v.set(F.add(v.get(), m.i8x16.shuffle(v.get(), v.get(), SWAP_HALVES))),
    v.set(F.add(v.get(), m.i8x16.shuffle(v.get(), v.get(), SWAP_PAIRS))),
  ]);
}

/** mr x width tile (width 2 or 1) of dot products over K: A rows and B columns are contiguous. */
export const dotTile: GemmTile = (ctx, L, i, j, mr, width) => {
  const m = ctx.m;
  const { g } = L;
  const acc = grid(mr, width, () => ctx.temp(v128));
  const av = Array.from({ length: mr }, () => ctx.temp(v128));
  const [pa, pb, kk] = [ctx.temp(i32), ctx.temp(i32), ctx.temp(i32)];
  const aOff = (r: number, q = 0): number => 4 * (r * g.a.rowStride + q);
  const bOff = (c: number, q = 0): number => 4 * (c * g.b.colStride + q);
  const k4 = Math.floor(g.k / 4);
  const zero = (): Ref => m.i32.const(0);
  const code: Ref[] = [pa.set(at(ctx, L.a, g.a, i.get, zero)), pb.set(at(ctx, L.b, g.b, zero, j.get))];
  for (const row of acc) for (const x of row) code.push(x.set(m.v128.const(new Array<number>(16).fill(0))));
  if (k4 > 0) {
    const step = (): Ref[] => {
      const body: Ref[] = av.map((a, r) => a.set(m.v128.load(aOff(r), 4, pa.get())));
      for (let c = 0; c < width; c++) {
        const bl = ctx.temp(v128);
        body.push(bl.set(m.v128.load(bOff(c), 4, pb.get())));
        for (let r = 0; r < mr; r++)
          body.push(acc[r]![c]!.set(madd(ctx, av[r]!.get(), bl.get(), acc[r]![c]!.get())));
      }
      body.push(pa.set(m.i32.add(pa.get(), m.i32.const(16))), pb.set(m.i32.add(pb.get(), m.i32.const(16))));
      return body;
    };
    code.push(countedLoop(ctx, kk, m.i32.const(0), () => m.i32.const(k4), 1, step, false));
  }
  const ii = (r: number) => (): Ref => m.i32.add(i.get(), m.i32.const(r));
  const jj = (c: number) => (): Ref => m.i32.add(j.get(), m.i32.const(c));
  for (let r = 0; r < mr; r++) {
    for (let c = 0; c < width; c++) {
      const sum = ctx.temp(binaryen.f32);
      code.push(horizontalSum(ctx, acc[r]![c]!));
      let s: Ref = m.f32x4.extract_lane(acc[r]![c]!.get(), 0);
      for (let q = 0; q < g.k % 4; q++) {
        s = m.f32.add(s, m.f32.mul(m.f32.load(aOff(r, q), 4, pa.get()), m.f32.load(bOff(c, q), 4, pb.get())));
      }
      code.push(
        sum.set(m.f32.add(s, scalarInit(ctx, L, ii(r), jj(c)))),
        ...scalarStore(ctx, L, ii(r), jj(c), sum),
      );
    }
  }
  return seq(m, code);
};
