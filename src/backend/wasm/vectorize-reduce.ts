import type { CompareFn, Expr, Stmt } from '../kernel/ir.js';
import { binaryen, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { subExpressions } from './types.js';

/**
 * Reductions in vectorized loops. A `vectorize` loop may carry accumulators updated once per
 * iteration as `acc = acc (+) e`, (+) associative and commutative: add, mul, min, max (and, or, xor
 * on integers), or a compare-and-select such as the NaN-skipping maximum
 * `acc = e > acc ? e : acc`. The renderer keeps four partial accumulators in the lanes of a vector,
 * one per lane position, and combines them after the loop: float sums are reassociated (the order
 * of a 4-way tree), min/max and selects give the same result as the scalar loop.
 */

type SetStmt = Extract<Stmt, { op: 'set' }>;
/** An operand of the combine: the accumulator or the element. */
type Slot = 'acc' | 'e';

export type Combine =
  | {
      readonly kind: 'binary';
      readonly fn: 'add' | 'mul' | 'min' | 'max' | 'and' | 'or' | 'xor';
      readonly unsigned: boolean;
    }
  | {
      readonly kind: 'select';
      readonly cmp: CompareFn;
      readonly unsigned: boolean;
      readonly x: Slot;
      readonly y: Slot;
      readonly a: Slot;
      readonly b: Slot;
    };

export interface Reduction {
  readonly name: string;
  readonly type: 'f32' | 'i32';
  readonly combine: Combine;
  /** The per-iteration element, free of the accumulator. */
  readonly element: Expr;
}

const FLOAT_FNS = new Set(['add', 'mul', 'min', 'max']);
const INT_FNS = new Set(['add', 'mul', 'min', 'max', 'and', 'or', 'xor']);

function isAcc(e: Expr, name: string): boolean {
  return e.op === 'local' && e.name === name;
}

function reads(e: Expr, name: string): number {
  let n = 0;
  for (const s of subExpressions(e)) if (isAcc(s, name)) n++;
  return n;
}

function sameExpr(a: Expr, b: Expr): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The combine of `acc = value`, or undefined when it is not a reduction of `name`. */
function match(
  name: string,
  type: 'f32' | 'i32',
  value: Expr,
): { combine: Combine; element: Expr } | undefined {
  if (value.op === 'binary' && value.type === type) {
    const fns = type === 'f32' ? FLOAT_FNS : INT_FNS;
    if (!fns.has(value.fn)) return undefined;
    const element = isAcc(value.a, name) ? value.b : isAcc(value.b, name) ? value.a : undefined;
    if (!element || reads(element, name) > 0) return undefined;
    const fn = value.fn as Extract<Combine, { kind: 'binary' }>['fn'];
    return { combine: { kind: 'binary', fn, unsigned: value.unsigned ?? false }, element };
  }
  if (value.op === 'select' && value.type === type && value.cond.op === 'compare') {
    const c = value.cond;
    if (c.type !== type) return undefined;
    const parts = [c.a, c.b, value.a, value.b];
    const element = parts.find((p) => !isAcc(p, name));
    if (!element || reads(element, name) > 0) return undefined;
    if (!parts.every((p) => isAcc(p, name) || sameExpr(p, element))) return undefined;
    const slot = (p: Expr): Slot => (isAcc(p, name) ? 'acc' : 'e');
    const [x, y, a, b] = parts.map(slot) as [Slot, Slot, Slot, Slot];
    // a select that never picks the element, or never looks at it, is not a reduction
    if (a === b || x === y) return undefined;
    return { combine: { kind: 'select', cmp: c.fn, unsigned: c.unsigned ?? false, x, y, a, b }, element };
  }
  return undefined;
}

/**
 * The reductions of a loop body: top-level `set`s of f32/i32 locals that match a combine and whose
 * local is read nowhere else in the body (a value read mid-loop would need the sequential order).
 */
export function findReductions(body: readonly Stmt[]): Map<string, Reduction> {
  const found = new Map<string, Reduction>();
  const setCount = new Map<string, number>();
  for (const s of body) if (s.op === 'set') setCount.set(s.name, (setCount.get(s.name) ?? 0) + 1);
  for (const s of body) {
    if (s.op !== 'set' || (s.type !== 'f32' && s.type !== 'i32') || setCount.get(s.name) !== 1) continue;
    const m = match(s.name, s.type, s.value);
    if (!m) continue;
    if (readsOutside(body, s, s.name)) continue;
    found.set(s.name, { name: s.name, type: s.type, ...m });
  }
  return found;
}

/** Whether any statement of the body other than `own` reads `name` (nested loops included). */
function readsOutside(body: readonly Stmt[], own: SetStmt, name: string): boolean {
  const inExpr = (e: Expr | undefined): boolean => e !== undefined && reads(e, name) > 0;
  const visit = (stmts: readonly Stmt[]): boolean =>
    stmts.some((s) => {
      if (s === own) return false;
      switch (s.op) {
        case 'loop':
          return visit(s.body);
        case 'store':
          return inExpr(s.value) || inExpr(s.index.dynamic);
        case 'set':
          return s.name === name || inExpr(s.value);
        case 'if':
          return inExpr(s.cond) || visit(s.then) || visit(s.else);
        case 'gemm':
          return false;
      }
    });
  return visit(body);
}

/** The combine of two vectors of partial results (or of a partial and four elements). */
export function combineVectors(ctx: KernelContext, r: Reduction, acc: Ref, e: Ref): Ref {
  const m = ctx.m;
  const c = r.combine;
  const f = r.type === 'f32';
  if (c.kind === 'binary') {
    switch (c.fn) {
      case 'and':
      case 'or':
      case 'xor':
        return m.v128[c.fn](acc, e);
      case 'min':
      case 'max':
        return f ? m.f32x4[c.fn](acc, e) : m.i32x4[`${c.fn}_${c.unsigned ? 'u' : 's'}`](acc, e);
      default:
        return f ? m.f32x4[c.fn](acc, e) : m.i32x4[c.fn](acc, e);
    }
  }
  // both operands are read twice: hold them in locals
  const [pa, pe] = [ctx.temp(binaryen.v128), ctx.temp(binaryen.v128)];
  const pick = (s: Slot): Ref => (s === 'acc' ? pa.get() : pe.get());
  let mask: Ref;
  if (f) mask = m.f32x4[c.cmp](pick(c.x), pick(c.y));
  else if (c.cmp === 'eq' || c.cmp === 'ne') mask = m.i32x4[c.cmp](pick(c.x), pick(c.y));
  else mask = m.i32x4[`${c.cmp}_${c.unsigned ? 'u' : 's'}`](pick(c.x), pick(c.y));
  return m.block(null, [pa.set(acc), pe.set(e), m.v128.bitselect(pick(c.a), pick(c.b), mask)], binaryen.v128);
}

/** The vector accumulator's start: the scalar value in lane 0 and the identity elsewhere, or a splat for idempotent combines. */
export function initVector(ctx: KernelContext, r: Reduction, scalar: Ref): Ref {
  const m = ctx.m;
  const f = r.type === 'f32';
  const c = r.combine;
  const identity =
    c.kind === 'binary' && (c.fn === 'add' || c.fn === 'xor')
      ? 0
      : c.kind === 'binary' && c.fn === 'mul'
        ? 1
        : undefined;
  if (identity === undefined) return f ? m.f32x4.splat(scalar) : m.i32x4.splat(scalar);
  return f
    ? m.f32x4.replace_lane(m.f32x4.splat(m.f32.const(identity)), 0, scalar)
    : m.i32x4.replace_lane(m.i32x4.splat(m.i32.const(identity)), 0, scalar);
}

/** The scalar result of the four lanes: (l0 (+) l2) (+) (l1 (+) l3) by two shuffle steps. */
export function finishVector(ctx: KernelContext, r: Reduction, v: Local): Ref {
  const m = ctx.m;
  const swap = (mask: number[]): Ref => m.i8x16.shuffle(v.get(), v.get(), bytes(mask));
  const steps = [
    v.set(combineVectors(ctx, r, v.get(), swap([2, 3, 0, 1]))),
    v.set(combineVectors(ctx, r, v.get(), swap([1, 0, 3, 2]))),
  ];
  const lane0 = r.type === 'f32' ? m.f32x4.extract_lane(v.get(), 0) : m.i32x4.extract_lane(v.get(), 0);
  return m.block(null, [...steps, lane0], r.type === 'f32' ? binaryen.f32 : binaryen.i32);
}

function bytes(lanes: number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}
