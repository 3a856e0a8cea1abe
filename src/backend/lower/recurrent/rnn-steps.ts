import { binary, compare, constant, convert, load, store } from '../../kernel/build.js';
import type { Expr, Index, Kernel, MatrixRef, Stmt } from '../../kernel/ir.js';
import { Scope } from '../elementwise/scalar.js';
import { kernel, local, loop, matmul, matrix, set } from './common.js';
import type { RnnPlan } from './rnn-plan.js';

/**
 * The time loop's bookkeeping: which time step t a direction's iteration i works on for batch row b,
 * and the indices into the projection, the state and Y at that step. Without sequence_lens every
 * row is at t = i (forward) or t = S - 1 - i (reverse), both affine in i. With it, row b is idle
 * once i >= len_b (its Y there is zero, its state kept), and the reverse direction walks its valid
 * steps backwards, t = len_b - 1 - i, a run-time offset.
 */
export interface Time {
  /** The time loop's variable. */
  readonly i: string;
  /** t = offset + coef * i (+ local `dynamic`). */
  readonly coef: number;
  readonly offset: number;
  readonly dynamic?: Expr;
}

/** An index with a term in t of stride `tStride`, plus `terms` and `offset`. */
export function timed(
  time: Time,
  tStride: number,
  offset: number,
  terms: readonly (readonly [string, number])[],
): Index {
  const all = [...terms, [time.i, time.coef * tStride] as const].filter(([, s]) => s !== 0);
  return {
    terms: all.map(([v, stride]) => ({ v, stride })),
    offset: offset + time.offset * tStride,
    ...(time.dynamic ? { dynamic: binary('mul', 'i32', time.dynamic, constant('i32', tStride)) } : {}),
  };
}

/** Column `col` + j of the projection row of (direction d, time t, batch b). */
export function xwIndex(p: RnnPlan, d: number, t: Time, b: string, j: string, col: number): Index {
  const GH = p.G * p.H;
  const [tStride, bStride] = p.layout === 0 ? [p.B * GH, GH] : [GH, p.S * GH];
  return timed(t, tStride, d * p.S * p.B * GH + col, [
    [b, bStride],
    [j, 1],
  ]);
}

/** Y[t, d, b, j] (layout 0) or Y[b, t, d, j] (layout 1). */
export function yIndex(p: RnnPlan, d: number, t: Time, b: string, j: string): Index {
  const { S, D, B, H } = p;
  return p.layout === 0
    ? timed(t, D * B * H, d * B * H, [
        [b, H],
        [j, 1],
      ])
    : timed(t, D * H, d * H, [
        [b, S * D * H],
        [j, 1],
      ]);
}

/** State element (d, b, j) of the [D, B, H] compute buffers. */
export function hIndex(p: RnnPlan, d: number, b: string, j: string): Index {
  return {
    terms: [
      { v: b, stride: p.H },
      { v: j, stride: 1 },
    ],
    offset: d * p.B * p.H,
  };
}

/** Element (b, col + j) of a [B, ld] step buffer. */
export function rowIndex(b: string, ld: number, col: number, j: string): Index {
  return {
    terms: [
      { v: b, stride: ld },
      { v: j, stride: 1 },
    ],
    offset: col,
  };
}

/** A vectorized loop over the hidden units; `body` binds values through the scope, then stores. */
export function hiddenLoop(p: RnnPlan, body: (j: string, s: Scope) => Stmt[]): Stmt {
  const j = p.ctx.fresh('j');
  const s = new Scope(j);
  const tail = body(j, s);
  return loop(j, p.H, [...s.stmts, ...tail], { vectorize: true });
}

/**
 * Loop over the batch rows of direction d at iteration i: `body` for rows with a step to take,
 * `idle` (when given) for rows past their length, at t = i.
 */
export function batchRows(
  p: RnnPlan,
  d: number,
  i: string,
  body: (b: string, t: Time) => Stmt[],
  idle?: (b: string, t: Time) => Stmt[],
): Stmt {
  const b = p.ctx.fresh('b');
  const backwards = d === 1 || p.reverseOnly;
  const forward: Time = { i, coef: 1, offset: 0 };
  if (!p.seqLens) {
    const t: Time = backwards ? { i, coef: -1, offset: p.S - 1 } : forward;
    return loop(b, p.B, body(b, t));
  }
  const lens = p.seqLens;
  const len = `${b}len`;
  const raw = load(lens.buffer, lens.dtype, { terms: [{ v: b, stride: 1 }], offset: 0 });
  const asI32 = lens.dtype === 'int64' ? convert('i64', 'i32', minI64(raw, p.S)) : raw;
  // lengths outside [0, S] are invalid; clamping keeps every access in bounds regardless
  const clamped = binary('max', 'i32', constant('i32', 0), binary('min', 'i32', asI32, constant('i32', p.S)));
  const lenE = local(len, 'i32');
  const active: Stmt[] = [];
  let t = forward;
  if (backwards) {
    const tl = `${b}t`;
    active.push(
      set(
        tl,
        'i32',
        binary('sub', 'i32', binary('sub', 'i32', lenE, constant('i32', 1)), { op: 'var', name: i }),
      ),
    );
    t = { i, coef: 0, offset: 0, dynamic: local(tl, 'i32') };
  }
  active.push(...body(b, t));
  return loop(b, p.B, [
    set(len, 'i32', clamped),
    {
      op: 'if',
      cond: compare('lt', 'i32', { op: 'var', name: i }, lenE),
      then: active,
      else: idle ? idle(b, forward) : [],
    },
  ]);
}

/** min(x, hi) in i64 before narrowing, so huge int64 lengths do not wrap. */
function minI64(x: Expr, hi: number): Expr {
  const lo = binary('max', 'i64', constant('i64', 0n), x);
  return binary('min', 'i64', lo, constant('i64', BigInt(hi)));
}

/** Stores of h (and Y) at the step, or Y = 0 for an idle row. */
export function storeOutputs(p: RnnPlan, d: number, t: Time, b: string, j: string, h: Expr): Stmt[] {
  const out = [store(p.h, p.cdt, hIndex(p, d, b, j), h)];
  if (p.y) out.push(store(p.y.buffer, p.y.dtype, yIndex(p, d, t, b, j), h));
  return out;
}

export function zeroY(p: RnnPlan, d: number): ((b: string, t: Time) => Stmt[]) | undefined {
  const y = p.y;
  if (!y) return undefined;
  return (b, t) => [hiddenLoop(p, (j) => [store(y.buffer, y.dtype, yIndex(p, d, t, b, j), p.n.c(0))])];
}

/** The projection's value at column block * H + j of (d, t, b). */
export function xwAt(p: RnnPlan, d: number, t: Time, b: string, j: string, block: number): Expr {
  return load(p.xw, p.cdt, xwIndex(p, d, t, b, j, block * p.H));
}

/** Element (b, col + j) of a [B, ld] step buffer, loaded. */
export function rowAt(p: RnnPlan, buffer: string, b: string, ld: number, col: number, j: string): Expr {
  return load(buffer, p.cdt, rowIndex(b, ld, col, j));
}

/** The step GEMM: out[B, n] = A [B, H] x R_d^T columns [col, col + n) (+ bias). */
export function stepGemm(
  p: RnnPlan,
  d: number,
  a: MatrixRef,
  col: number,
  n: number,
  out: MatrixRef,
  bias?: { buffer: string; offset: number },
): Stmt[] {
  const r = p.rT[d]!;
  return matmul(p.ctx, p.cdt, {
    m: p.B,
    n,
    k: p.H,
    a,
    b: { ...r, offset: r.offset + col * r.colStride },
    c: out,
    accumulate: false,
    ...(bias ? { bias: { ...bias, along: 'col' as const } } : {}),
  });
}

/** Direction d's hidden state [B, H] as a GEMM operand. */
export function hState(p: RnnPlan, d: number): MatrixRef {
  return matrix(p.h, d * p.B * p.H, p.H);
}

/** The kernel of the time loop: `step` gives each direction's statements at iteration i. */
export function recurrence(p: RnnPlan, variant: string, step: (d: number, i: string) => Stmt[]): Kernel {
  const i = p.ctx.fresh('t');
  const body: Stmt[] = [];
  for (let d = 0; d < p.D; d++) body.push(...step(d, i));
  return kernel(p.ctx, `${p.name}${variant}_recurrence_${p.sfx}`, [loop(i, p.S, body)]);
}
