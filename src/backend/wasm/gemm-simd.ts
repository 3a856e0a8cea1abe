import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { at, clampScalar, scalarInit, type GemmLayout } from './gemm-common.js';
import { countedLoop } from './loops.js';

/**
 * The SIMD tiles of gemm.ts. A tile covers rows [i, i+mr) and `width` columns from j (both locals
 * holding the tile's origin); its per-row and per-column offsets are constants folded into memory
 * immediates, so the K loop is loads, FMAs and two pointer bumps.
 */

export type GemmTiles = ((
  ctx: KernelContext,
  L: GemmLayout,
  i: Local,
  j: Local,
  mr: number,
  width: number,
) => Ref) & { readonly widths: readonly number[] };

const v128 = binaryen.v128;
const i32 = binaryen.i32;

const ternary = (binaryen as unknown as { SIMDTernary: { setOp(expr: Ref, op: number): void } }).SIMDTernary;

/** a*b + c: one relaxed (possibly fused) multiply-add when the target has it. */
function madd(ctx: KernelContext, a: Ref, b: Ref, c: Ref): Ref {
  const m = ctx.m;
  if (!ctx.target.relaxed) return m.f32x4.add(m.f32x4.mul(a, b), c);
  const e = m.v128.bitselect(a, b, c);
  ternary.setOp(e, binaryen.RelaxedMaddVecF32x4);
  return e;
}

function clampVector(ctx: KernelContext, L: GemmLayout, v: Ref): Ref {
  const m = ctx.m;
  const clamp = L.g.clamp;
  if (!clamp) return v;
  let r = v;
  if (clamp.min !== -Infinity) r = m.f32x4.max(r, m.f32x4.splat(m.f32.const(clamp.min)));
  if (clamp.max !== Infinity) r = m.f32x4.min(r, m.f32x4.splat(m.f32.const(clamp.max)));
  return r;
}

function grid<T>(rows: number, cols: number, make: () => T): T[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, make));
}

/** `lanes` (1..4) consecutive floats at ptr + offset into the low lanes, reading nothing more. */
function loadPartial(ctx: KernelContext, ptr: () => Ref, offset: number, lanes: number): Ref {
  const m = ctx.m;
  switch (lanes) {
    case 4:
      return m.v128.load(offset, 4, ptr());
    case 3:
      return m.v128.load32_lane(offset + 8, 4, 2, ptr(), m.v128.load64_zero(offset, 4, ptr()));
    case 2:
      return m.v128.load64_zero(offset, 4, ptr());
    default:
      return m.v128.load32_zero(offset, 4, ptr());
  }
}

/** Stores the low `lanes` lanes of v to consecutive floats. */
function storePartial(ctx: KernelContext, ptr: () => Ref, offset: number, lanes: number, v: Local): Ref {
  const m = ctx.m;
  switch (lanes) {
    case 4:
      return m.v128.store(offset, 4, ptr(), v.get());
    case 3:
      return seq(m, [
        m.v128.store64_lane(offset, 4, 0, ptr(), v.get()),
        m.v128.store32_lane(offset + 8, 4, 2, ptr(), v.get()),
      ]);
    case 2:
      return m.v128.store64_lane(offset, 4, 0, ptr(), v.get());
    default:
      return m.v128.store32_lane(offset, 4, 0, ptr(), v.get());
  }
}

/**
 * mr x width tile, width 1..8: acc[r][c] += splat(A[i+r,k]) * B[k, j+4c .. j+4c+3]. A last partial
 * vector (N % 4 leftover columns) loads and stores only its lanes.
 */
function splat(ctx: KernelContext, L: GemmLayout, i: Local, j: Local, mr: number, width: number): Ref {
  const m = ctx.m;
  const { g } = L;
  const nv = Math.ceil(width / 4);
  const lanesOf = (c: number): number => Math.min(4, width - 4 * c);
  const acc = grid(mr, nv, () => ctx.temp(v128));
  const bv = Array.from({ length: nv }, () => ctx.temp(v128));
  const a = ctx.temp(v128);
  const [pa, pb, pc, pbias, kk] = [ctx.temp(i32), ctx.temp(i32), ctx.temp(i32), ctx.temp(i32), ctx.temp(i32)];
  // C[i+r, j+4c+l] relative to pc
  const cOff = (r: number, c: number, l = 0): number => 4 * (r * g.c.rowStride + (4 * c + l) * g.c.colStride);
  const loadC = (r: number, c: number): Ref => {
    if (g.c.colStride === 1) return loadPartial(ctx, pc.get, cOff(r, c), lanesOf(c));
    let v = m.f32x4.splat(m.f32.load(cOff(r, c), 4, pc.get()));
    for (let l = 1; l < lanesOf(c); l++)
      v = m.f32x4.replace_lane(v, l, m.f32.load(cOff(r, c, l), 4, pc.get()));
    return v;
  };
  const init = (r: number, c: number): Ref => {
    let v: Ref = m.v128.const(new Array<number>(16).fill(0));
    if (g.bias?.along === 'col') v = loadPartial(ctx, pbias.get, 16 * c, lanesOf(c));
    else if (g.bias?.along === 'row') v = m.v128.load32_splat(4 * r, 4, pbias.get());
    return g.accumulate ? m.f32x4.add(v, loadC(r, c)) : v;
  };
  const store = (r: number, c: number): Ref => {
    const t = ctx.temp(v128);
    const stores =
      g.c.colStride === 1
        ? [storePartial(ctx, pc.get, cOff(r, c), lanesOf(c), t)]
        : Array.from({ length: lanesOf(c) }, (_, l) =>
            m.f32.store(cOff(r, c, l), 4, pc.get(), m.f32x4.extract_lane(t.get(), l)),
          );
    return seq(m, [t.set(clampVector(ctx, L, acc[r]![c]!.get())), ...stores]);
  };
  const step = (): Ref[] => {
    const body: Ref[] = bv.map((b, c) => b.set(loadPartial(ctx, pb.get, 16 * c, lanesOf(c))));
    for (let r = 0; r < mr; r++) {
      body.push(a.set(m.v128.load32_splat(4 * r * g.a.rowStride, 4, pa.get())));
      for (let c = 0; c < nv; c++)
        body.push(acc[r]![c]!.set(madd(ctx, a.get(), bv[c]!.get(), acc[r]![c]!.get())));
    }
    body.push(
      pa.set(m.i32.add(pa.get(), m.i32.const(4 * g.a.colStride))),
      pb.set(m.i32.add(pb.get(), m.i32.const(4 * g.b.rowStride))),
    );
    return body;
  };
  const code: Ref[] = [pc.set(at(ctx, L.c, g.c, i.get(), j.get()))];
  if (g.bias) {
    const along = g.bias.along === 'col' ? j : i;
    code.push(pbias.set(m.i32.add(m.i32.const(L.bias | 0), m.i32.mul(along.get(), m.i32.const(4)))));
  }
  for (let r = 0; r < mr; r++) for (let c = 0; c < nv; c++) code.push(acc[r]![c]!.set(init(r, c)));
  if (g.k > 0) {
    code.push(
      pa.set(at(ctx, L.a, g.a, i.get(), m.i32.const(0))),
      pb.set(at(ctx, L.b, g.b, m.i32.const(0), j.get())),
      countedLoop(ctx, kk, m.i32.const(0), () => m.i32.const(g.k), 1, step, false),
    );
  }
  for (let r = 0; r < mr; r++) for (let c = 0; c < nv; c++) code.push(store(r, c));
  return seq(m, code);
}

export const splatTile: GemmTiles = Object.assign(splat, { widths: [8, 4, 3, 2, 1] });

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
function dot(ctx: KernelContext, L: GemmLayout, i: Local, j: Local, mr: number, width: number): Ref {
  const m = ctx.m;
  const { g } = L;
  const acc = grid(mr, width, () => ctx.temp(v128));
  const av = Array.from({ length: mr }, () => ctx.temp(v128));
  const [pa, pb, kk] = [ctx.temp(i32), ctx.temp(i32), ctx.temp(i32)];
  const sum = ctx.temp(binaryen.f32);
  const aOff = (r: number, q = 0): number => 4 * (r * g.a.rowStride + q);
  const bOff = (c: number, q = 0): number => 4 * (c * g.b.colStride + q);
  const k4 = Math.floor(g.k / 4);
  const code: Ref[] = [
    pa.set(at(ctx, L.a, g.a, i.get(), m.i32.const(0))),
    pb.set(at(ctx, L.b, g.b, m.i32.const(0), j.get())),
  ];
  for (const row of acc) for (const x of row) code.push(x.set(m.v128.const(new Array<number>(16).fill(0))));
  if (k4 > 0) {
    const step = (): Ref[] => {
      const body: Ref[] = av.map((a, r) => a.set(m.v128.load(aOff(r), 4, pa.get())));
      for (let c = 0; c < width; c++) {
        const b = m.v128.load(bOff(c), 4, pb.get());
        const bl = ctx.temp(v128);
        body.push(bl.set(b));
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
      code.push(horizontalSum(ctx, acc[r]![c]!));
      let s: Ref = m.f32x4.extract_lane(acc[r]![c]!.get(), 0);
      for (let q = 0; q < g.k % 4; q++) {
        s = m.f32.add(s, m.f32.mul(m.f32.load(aOff(r, q), 4, pa.get()), m.f32.load(bOff(c, q), 4, pb.get())));
      }
      code.push(
        sum.set(m.f32.add(s, scalarInit(ctx, L, ii(r), jj(c)))),
        m.f32.store(0, 4, at(ctx, L.c, g.c, ii(r)(), jj(c)()), clampScalar(ctx, g, sum.get())),
      );
    }
  }
  return seq(m, code);
}

export const dotTile: GemmTiles = Object.assign(dot, { widths: [2, 1] });
