import type { GemmCall, MatrixRef } from '../kernel/ir.js';
import type { Ref } from './binaryen.js';
import type { KernelContext } from './context.js';

/** Addressing and epilogue pieces shared by the gemm generators. */

export interface GemmLayout {
  readonly g: GemmCall;
  /** Byte address of element [0,0] of A, B, C and of bias[0]. */
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly bias: number;
}

/** Byte address of element (row, col) of a matrix whose [0,0] is at `base`. */
export function at(ctx: KernelContext, base: number, ref: MatrixRef, row: Ref, col: Ref): Ref {
  const m = ctx.m;
  const term = (x: Ref, stride: number): Ref | undefined =>
    stride === 0 ? undefined : m.i32.mul(x, m.i32.const(4 * stride));
  const parts = [term(row, ref.rowStride), term(col, ref.colStride)].filter((p): p is Ref => p !== undefined);
  return parts.reduce((acc, p) => m.i32.add(acc, p), m.i32.const(base | 0));
}

/** What C[i,j] starts from: bias and, when accumulating, C's old value. */
export function scalarInit(ctx: KernelContext, L: GemmLayout, i: () => Ref, j: () => Ref): Ref {
  const m = ctx.m;
  const { g } = L;
  let init: Ref = m.f32.const(0);
  if (g.bias) {
    const idx = g.bias.along === 'row' ? i() : j();
    init = m.f32.load(0, 4, m.i32.add(m.i32.const(L.bias | 0), m.i32.mul(idx, m.i32.const(4))));
  }
  if (g.accumulate) init = m.f32.add(init, m.f32.load(0, 4, at(ctx, L.c, g.c, i(), j())));
  return init;
}

export function clampScalar(ctx: KernelContext, g: GemmCall, v: Ref): Ref {
  const m = ctx.m;
  if (!g.clamp) return v;
  let r = v;
  if (g.clamp.min !== -Infinity) r = m.f32.max(r, m.f32.const(g.clamp.min));
  if (g.clamp.max !== Infinity) r = m.f32.min(r, m.f32.const(g.clamp.max));
  return r;
}
