import { computeType } from '../kernel/build.js';
import type { GemmCall, Stmt } from '../kernel/ir.js';
import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { renderGemm } from './gemm.js';
import { gemmRuns, renderRun, runIndex } from './gemm-batch.js';
import { countedLoop } from './loops.js';
import { elementAddress, storeScalar } from './memory-access.js';
import { scalarExpr } from './scalar-expr.js';
import { expectType } from './types.js';
import { vectorPlan, VectorBody, type VectorPlan } from './vectorize.js';

type LoopStmt = Extract<Stmt, { op: 'loop' }>;

/** Loop bounds computed at run time (a thread's share of a parallel loop). */
export interface Range {
  readonly lo: Local;
  readonly hi: Local;
}

export function renderStmts(ctx: KernelContext, stmts: readonly Stmt[]): Ref[] {
  const code: Ref[] = [];
  for (let i = 0; i < stmts.length;) {
    const calls = gemmsFrom(stmts, i);
    if (calls.length > 1) {
      code.push(...gemmRuns(ctx, calls).map((run) => renderRun(ctx, run, runIndex(ctx))));
      i += calls.length;
    } else code.push(renderStmt(ctx, stmts[i++]!));
  }
  return code;
}

/** The consecutive gemm statements from `i` on. */
function gemmsFrom(stmts: readonly Stmt[], i: number): GemmCall[] {
  const calls: GemmCall[] = [];
  for (let j = i; j < stmts.length; j++) {
    const s = stmts[j]!;
    if (s.op !== 'gemm') break;
    calls.push(s);
  }
  return calls;
}

function renderStmt(ctx: KernelContext, s: Stmt): Ref {
  const m = ctx.m;
  switch (s.op) {
    case 'loop':
      return renderLoop(ctx, s);
    case 'store': {
      expectType(s.value, computeType(s.dtype), `store to ${s.buffer}`);
      let dynamic: Ref | undefined;
      if (s.index.dynamic) {
        expectType(s.index.dynamic, 'i32', `index of ${s.buffer}`);
        dynamic = scalarExpr(ctx, s.index.dynamic);
      }
      const addr = elementAddress(ctx, s.buffer, s.dtype, s.index, dynamic);
      return storeScalar(ctx, s.dtype, addr, scalarExpr(ctx, s.value));
    }
    case 'set':
      expectType(s.value, s.type, `set ${s.name}`);
      return ctx.scalar(s.name, s.type).set(scalarExpr(ctx, s.value));
    case 'if':
      expectType(s.cond, 'i32', 'if condition');
      return m.if(
        scalarExpr(ctx, s.cond),
        seq(m, renderStmts(ctx, s.then)),
        s.else.length ? seq(m, renderStmts(ctx, s.else)) : undefined,
      );
    case 'gemm':
      return renderGemm(ctx, s);
  }
}

export function renderLoop(ctx: KernelContext, loop: LoopStmt, range?: Range): Ref {
  const m = ctx.m;
  if (loop.extent <= 0) return m.nop();
  const plan = loop.vectorize && ctx.target.simd ? vectorPlan(ctx, loop) : undefined;
  const v = ctx.bindVar(loop.v);
  try {
    const scalarBody = (): Ref[] => renderStmts(ctx, loop.body);
    if (plan) return vectorLoop(ctx, loop, v, plan, range);
    if (range) return countedLoop(ctx, v, range.lo.get(), range.hi.get, 1, scalarBody, true);
    if (loop.extent === 1) return seq(m, [v.set(m.i32.const(0)), ...scalarBody()]);
    return countedLoop(ctx, v, m.i32.const(0), () => m.i32.const(loop.extent), 1, scalarBody, false);
  } finally {
    ctx.unbindVar(loop.v);
  }
}

/**
 * A four-lane main loop over the largest multiple of 4 iterations, then a scalar remainder (which
 * continues any accumulator from the vector loop's folded result).
 */
function vectorLoop(ctx: KernelContext, loop: LoopStmt, v: Local, plan: VectorPlan, range?: Range): Ref {
  const m = ctx.m;
  const whole = loop.extent - (loop.extent % 4);
  const scalarBody = (): Ref[] => renderStmts(ctx, loop.body);
  const parts: Ref[] = [];
  if (range || whole > 0) {
    const vector = new VectorBody(ctx, loop, plan);
    const step = vector.render();
    parts.push(...vector.preamble);
    if (range) {
      const vend = ctx.temp(binaryen.i32);
      parts.push(
        vend.set(m.i32.sub(range.hi.get(), m.i32.const(3))),
        countedLoop(ctx, v, range.lo.get(), vend.get, 4, () => step, true),
        ...vector.postamble,
        countedLoop(ctx, v, v.get(), range.hi.get, 1, scalarBody, true),
      );
      return seq(m, parts);
    }
    parts.push(
      countedLoop(
        ctx,
        v,
        m.i32.const(0),
        () => m.i32.const(whole),
        4,
        () => step,
        false,
      ),
      ...vector.postamble,
    );
  }
  if (whole < loop.extent) {
    parts.push(countedLoop(ctx, v, m.i32.const(whole), () => m.i32.const(loop.extent), 1, scalarBody, false));
  }
  return seq(m, parts);
}
