import type { GemmCall, MatrixRef } from '../kernel/ir.js';
import type { Local, Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { finishScalar } from './gemm-epilogue.js';
import { loadHalfScalar, storeHalfScalar } from './gemm-half.js';

/** Addressing and scalar pieces shared by the gemm generators. */

/**
 * A byte address known at compile time, or (in a batch of equal calls rendered as one loop, see
 * gemm-batch.ts) that plus a run-time shift.
 */
export interface Address {
  readonly bytes: number;
  readonly shift?: () => Ref;
}

export interface GemmLayout {
  readonly g: GemmCall;
  /** Byte address of element [0,0] (before panel offsets) of A, B, C, R and of bias[0]. */
  readonly a: Address;
  readonly b: Address;
  readonly c: Address;
  readonly r: Address;
  readonly bias: Address;
}

/** Run-time byte shifts of a call's operands (absent: zero). */
export type GemmShifts = Partial<Record<'a' | 'b' | 'c' | 'r' | 'bias', () => Ref>>;

export function layoutOf(ctx: KernelContext, g: GemmCall, shifts: GemmShifts = {}): GemmLayout {
  const address = (bytes: number, shift: (() => Ref) | undefined): Address =>
    shift ? { bytes, shift } : { bytes };
  const base = (r: MatrixRef): number => ctx.base(r.buffer) + elementBytes(r) * r.offset;
  return {
    g,
    a: address(base(g.a), shifts.a),
    b: address(base(g.b), shifts.b),
    c: address(base(g.c), shifts.c),
    r: address(g.residual ? base(g.residual) : 0, shifts.r),
    bias: address(g.bias ? ctx.base(g.bias.buffer) + 4 * g.bias.offset : 0, shifts.bias),
  };
}

/** Bytes per element of an operand: 2 for 16-bit storage, else 4. */
export function elementBytes(ref: MatrixRef): number {
  return ref.half ? 2 : 4;
}

/** The address as an i32 expression. */
export function addressOf(ctx: KernelContext, a: Address): Ref {
  const m = ctx.m;
  return a.shift ? m.i32.add(a.shift(), m.i32.const(a.bytes | 0)) : m.i32.const(a.bytes | 0);
}

/**
 * Byte address of element (row, col) of a matrix whose [0,0] is at `base` (MatrixRef's formula, panels
 * included). row and col are getters: a panel index reads its coordinate twice.
 */
export function at(ctx: KernelContext, base: Address, ref: MatrixRef, row: () => Ref, col: () => Ref): Ref {
  const m = ctx.m;
  const scaled = (x: Ref, stride: number): Ref | undefined =>
    stride === 0 ? undefined : m.i32.mul(x, m.i32.const(elementBytes(ref) * stride));
  const p = ref.panels;
  const parts: (Ref | undefined)[] = [];
  const plain = (x: () => Ref, stride: number): void => void parts.push(scaled(x(), stride));
  const paneled = (x: () => Ref, stride: number): void => {
    const w = m.i32.const(p!.width);
    parts.push(
      scaled(m.i32.div_u(x(), w), p!.stride),
      scaled(m.i32.rem_u(x(), m.i32.const(p!.width)), stride),
    );
  };
  (p?.along === 'row' ? paneled : plain)(row, ref.rowStride);
  (p?.along === 'col' ? paneled : plain)(col, ref.colStride);
  return parts
    .filter((x): x is Ref => x !== undefined)
    .reduce((acc, x) => m.i32.add(acc, x), addressOf(ctx, base));
}

/** What C[i,j] starts from: bias and, when accumulating, C's old value. */
export function scalarInit(ctx: KernelContext, L: GemmLayout, i: () => Ref, j: () => Ref): Ref {
  const m = ctx.m;
  const { g } = L;
  let init: Ref = m.f32.const(0);
  if (g.bias) {
    const idx = g.bias.along === 'row' ? i() : j();
    init = m.f32.load(0, 4, m.i32.add(addressOf(ctx, L.bias), m.i32.mul(idx, m.i32.const(4))));
  }
  if (g.accumulate) init = m.f32.add(init, loadElement(ctx, g.c, at(ctx, L.c, g.c, i, j)));
  return init;
}

/** Stores the f32 sum `s` of C[i,j] after the epilogue (residual, activation, clamp). */
export function scalarStore(ctx: KernelContext, L: GemmLayout, i: () => Ref, j: () => Ref, s: Local): Ref[] {
  const m = ctx.m;
  const { g } = L;
  const residual = g.residual ? loadElement(ctx, g.residual, at(ctx, L.r, g.residual, i, j)) : undefined;
  const ptr = at(ctx, L.c, g.c, i, j);
  const store = g.c.half ? storeHalfScalar(ctx, g.c.half, ptr, 0, s.get()) : m.f32.store(0, 4, ptr, s.get());
  return [...finishScalar(ctx, g, s, residual), store];
}

/** An operand's element at `ptr` as f32 (16-bit storage widened). */
export function loadElement(ctx: KernelContext, ref: MatrixRef, ptr: Ref): Ref {
  return ref.half ? loadHalfScalar(ctx, ref.half, ptr, 0) : ctx.m.f32.load(0, 4, ptr);
}
