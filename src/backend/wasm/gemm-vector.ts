import type { MatrixRef } from '../kernel/ir.js';
import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import {
  HalfMasks,
  loadHalfScalar,
  loadHalfsExact,
  storeHalfScalar,
  storeHalfs,
  widenHalfs,
} from './gemm-half.js';

/** Vector pieces shared by the SIMD gemm tiles: the multiply-add and partial, strided lane access. */

const ternary = (binaryen as unknown as { SIMDTernary: { setOp(expr: Ref, op: number): void } }).SIMDTernary;

/** a*b + c: one relaxed (possibly fused) multiply-add when the target has it. */
export function madd(ctx: KernelContext, a: Ref, b: Ref, c: Ref): Ref {
  const m = ctx.m;
  if (!ctx.target.relaxed) return m.f32x4.add(m.f32x4.mul(a, b), c);
  const e = m.v128.bitselect(a, b, c);
  ternary.setOp(e, binaryen.RelaxedMaddVecF32x4);
  return e;
}

export function grid<T>(rows: number, cols: number, make: () => T): T[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, make));
}

/** `lanes` (1..4) consecutive floats at ptr + offset into the low lanes, reading nothing more. */
export function loadPartial(ctx: KernelContext, ptr: () => Ref, offset: number, lanes: number): Ref {
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
export function storePartial(
  ctx: KernelContext,
  ptr: () => Ref,
  offset: number,
  lanes: number,
  v: Local,
): Ref {
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
 * `lanes` elements of a C-shaped matrix (C or the residual) from the tile pointer `ptr`: from
 * (r, c) along a row ('row': c, c+1, ...) or down a column ('col': r, r+1, ...). One (partial)
 * vector access when those elements are contiguous, else lane by lane.
 */
export interface Lanes {
  readonly r: number;
  readonly c: number;
  readonly along: 'row' | 'col';
  readonly lanes: number;
}

function laneOffset(ref: MatrixRef, at: Lanes, l: number): number {
  const [r, c] = at.along === 'row' ? [at.r, at.c + l] : [at.r + l, at.c];
  return (ref.half ? 2 : 4) * (r * ref.rowStride + c * ref.colStride);
}

const contiguous = (ref: MatrixRef, at: Lanes): boolean =>
  (at.along === 'row' ? ref.colStride : ref.rowStride) === 1;

export function loadLanes(ctx: KernelContext, ref: MatrixRef, ptr: Local, at: Lanes): Ref {
  const m = ctx.m;
  if (ref.half) return loadHalfLanes(ctx, ref, ptr, at);
  if (contiguous(ref, at)) return loadPartial(ctx, ptr.get, laneOffset(ref, at, 0), at.lanes);
  let v = m.f32x4.splat(m.f32.load(laneOffset(ref, at, 0), 4, ptr.get()));
  for (let l = 1; l < at.lanes; l++) {
    v = m.f32x4.replace_lane(v, l, m.f32.load(laneOffset(ref, at, l), 4, ptr.get()));
  }
  return v;
}

export function storeLanes(ctx: KernelContext, ref: MatrixRef, ptr: Local, at: Lanes, v: Local): Ref {
  const m = ctx.m;
  const half = ref.half;
  if (half && contiguous(ref, at))
    return storeHalfs(ctx, half, ptr.get, laneOffset(ref, at, 0), at.lanes, v.get());
  if (half)
    return seq(
      m,
      Array.from({ length: at.lanes }, (_, l) =>
        storeHalfScalar(ctx, half, ptr.get(), laneOffset(ref, at, l), m.f32x4.extract_lane(v.get(), l)),
      ),
    );
  if (contiguous(ref, at)) return storePartial(ctx, ptr.get, laneOffset(ref, at, 0), at.lanes, v);
  return seq(
    m,
    Array.from({ length: at.lanes }, (_, l) =>
      m.f32.store(laneOffset(ref, at, l), 4, ptr.get(), m.f32x4.extract_lane(v.get(), l)),
    ),
  );
}

/** loadLanes of a 16-bit C or residual: exact loads (no padding), widened. */
function loadHalfLanes(ctx: KernelContext, ref: MatrixRef, ptr: Local, at: Lanes): Ref {
  const m = ctx.m;
  const half = ref.half!;
  if (contiguous(ref, at)) {
    const raw = loadHalfsExact(ctx, ptr.get, laneOffset(ref, at, 0), at.lanes);
    return widenHalfs(ctx, HalfMasks.of(ctx), half, raw, 0);
  }
  let v = m.f32x4.splat(loadHalfScalar(ctx, half, ptr.get(), laneOffset(ref, at, 0)));
  for (let l = 1; l < at.lanes; l++)
    v = m.f32x4.replace_lane(v, l, loadHalfScalar(ctx, half, ptr.get(), laneOffset(ref, at, l)));
  return v;
}
