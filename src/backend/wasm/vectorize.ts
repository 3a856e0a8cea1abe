import type { Expr, Stmt } from '../kernel/ir.js';
import { binaryen, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import {
  elementAddress,
  isWidth16,
  laneAccessible,
  loadLanes16,
  storeLanes16,
  loadVector,
  storeLanes,
  storeVector,
  vectorizableDType,
} from './memory-access.js';
import { isNativeFloatUnary, powSpecialCase, scalarExpr } from './scalar-expr.js';
import { subExpressions, typeOf } from './types.js';
import { loadStrided } from './vectorize-loads.js';
import {
  combineVectors,
  finishVector,
  findReductions,
  initVector,
  type Reduction,
} from './vectorize-reduce.js';

/**
 * Runs a `vectorize` loop four iterations per step in f32x4 / i32x4 lanes. An expression that does
 * not depend on the loop variable is "uniform": computed once per step in scalar code and splatted.
 * Varying expressions must be f32 or i32 and use operations with a SIMD form. Contiguous loads and
 * stores (stride 1 in the loop variable) move four elements at once; other strides gather and
 * scatter 32-bit elements lane by lane, which still runs the arithmetic four-wide. Accumulators
 * (`acc = acc + e` and the like, see vectorize-reduce.ts) run as four partial results combined after
 * the loop.
 */

type LoopStmt = Extract<Stmt, { op: 'loop' }>;
type Kind = 'uniform' | 'varying';

class NotVectorizable extends Error {}

const VECTOR_MATH = new Set(['exp', 'log', 'tanh', 'sigmoid', 'erf']);
const LANES_0123 = [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0];

function strideIn(e: Extract<Expr, { op: 'load' }> | Extract<Stmt, { op: 'store' }>, v: string): number {
  return e.index.terms.reduce((s, t) => (t.v === v ? s + t.stride : s), 0);
}

function localsIn(stmts: readonly Stmt[], out: Map<string, number>): void {
  const countExpr = (e: Expr): void => {
    for (const s of subExpressions(e)) if (s.op === 'local') out.set(s.name, (out.get(s.name) ?? 0) + 1);
  };
  for (const s of stmts) {
    switch (s.op) {
      case 'loop':
        localsIn(s.body, out);
        break;
      case 'store':
        countExpr(s.value);
        if (s.index.dynamic) countExpr(s.index.dynamic);
        break;
      case 'set':
        out.set(s.name, (out.get(s.name) ?? 0) + 1);
        countExpr(s.value);
        break;
      case 'if':
        countExpr(s.cond);
        localsIn(s.then, out);
        localsIn(s.else, out);
        break;
      case 'gemm':
        break;
    }
  }
}

/** Classifies expressions of one loop body; throws NotVectorizable on anything without a SIMD form. */
class Analysis {
  /** Locals set in the body: they live in v128 locals while the loop runs. */
  readonly temps = new Set<string>();
  private readonly defined = new Set<string>();

  constructor(
    private readonly v: string,
    private readonly reductions: ReadonlyMap<string, Reduction> = new Map(),
  ) {}

  kind(e: Expr): Kind {
    switch (e.op) {
      case 'const':
        return 'uniform';
      case 'var':
        return e.name === this.v ? 'varying' : 'uniform';
      case 'local':
        if (!this.temps.has(e.name)) return 'uniform';
        if (!this.defined.has(e.name))
          throw new NotVectorizable(`${e.name} carries a value between iterations`);
        return this.varying(e);
      case 'load': {
        if (e.index.dynamic && this.kind(e.index.dynamic) !== 'uniform') throw new NotVectorizable('gather');
        const stride = strideIn(e, this.v);
        if (stride === 0) return 'uniform';
        if (stride === 1 ? !vectorizableDType(e.dtype) : !laneAccessible(e.dtype)) {
          throw new NotVectorizable(`load of ${e.buffer}`);
        }
        return 'varying';
      }
      case 'unary': {
        if (this.kind(e.x) === 'uniform') return 'uniform';
        const t = typeOf(e.x);
        const ok =
          t === 'f32'
            ? isNativeFloatUnary(e.fn) || VECTOR_MATH.has(e.fn) || e.fn === 'isnan'
            : ['neg', 'abs', 'not', 'bitnot', 'floor', 'ceil', 'trunc', 'nearest'].includes(e.fn);
        if (!ok) throw new NotVectorizable(`${e.fn} on ${t}`);
        return this.varying(e);
      }
      case 'binary': {
        const ka = this.kind(e.a);
        const kb = this.kind(e.b);
        if (ka === 'uniform' && kb === 'uniform') return 'uniform';
        const f = e.fn;
        const ok =
          e.type === 'f32'
            ? ['add', 'sub', 'mul', 'div', 'min', 'max'].includes(f) ||
              (f === 'pow' && powSpecialCase(e.b) !== undefined)
            : ['add', 'sub', 'mul', 'and', 'or', 'xor', 'min', 'max'].includes(f) ||
              ((f === 'shl' || f === 'shr') && kb === 'uniform');
        if (!ok) throw new NotVectorizable(`${f} on ${e.type}`);
        return this.varying(e);
      }
      case 'compare': {
        const ka = this.kind(e.a);
        const kb = this.kind(e.b);
        if (ka === 'uniform' && kb === 'uniform') return 'uniform';
        if (e.type !== 'f32' && e.type !== 'i32') throw new NotVectorizable(`compare on ${e.type}`);
        return 'varying';
      }
      case 'select': {
        const kinds = [this.kind(e.cond), this.kind(e.a), this.kind(e.b)];
        if (kinds.every((k) => k === 'uniform')) return 'uniform';
        return this.varying(e);
      }
      case 'convert':
        if (this.kind(e.x) === 'uniform') return 'uniform';
        return this.varying(e);
    }
  }

  private varying(e: Expr): Kind {
    const t = typeOf(e);
    if (t !== 'f32' && t !== 'i32') throw new NotVectorizable(`${t} value`);
    if (e.op === 'convert' && (e.from === 'f64' || e.from === 'i64'))
      throw new NotVectorizable('64-bit convert');
    return 'varying';
  }

  statement(s: Stmt): void {
    switch (s.op) {
      case 'store': {
        if (s.index.dynamic && this.kind(s.index.dynamic) !== 'uniform') throw new NotVectorizable('scatter');
        const stride = strideIn(s, this.v);
        if (stride === 0 || (stride === 1 ? !vectorizableDType(s.dtype) : !laneAccessible(s.dtype))) {
          throw new NotVectorizable(`store to ${s.buffer}`);
        }
        this.kind(s.value);
        return;
      }
      case 'set': {
        if (s.type !== 'f32' && s.type !== 'i32') throw new NotVectorizable(`${s.type} local`);
        const r = this.reductions.get(s.name);
        // an accumulator's element must vary: a uniform one would be added once per lane
        if (r && this.kind(r.element) === 'uniform')
          throw new NotVectorizable(`${s.name} folds a uniform value`);
        if (!r) this.kind(s.value);
        this.defined.add(s.name);
        return;
      }
      default:
        throw new NotVectorizable(`${s.op} in the body`);
    }
  }
}

/** How a vectorized loop runs: locals it keeps in vector registers, and its accumulators. */
export interface VectorPlan {
  readonly temps: ReadonlySet<string>;
  readonly reductions: ReadonlyMap<string, Reduction>;
}

/**
 * The plan of a vectorizable loop, or undefined when it must run scalar. A local set in the body
 * must be dead outside it (its last-iteration value would not exist), unless it is an accumulator.
 */
export function vectorPlan(ctx: KernelContext, loop: LoopStmt): VectorPlan | undefined {
  // a thread's share of a parallel loop would fold only its part: accumulators stay sequential there
  const reductions = loop.parallel ? new Map<string, Reduction>() : findReductions(loop.body);
  const analysis = new Analysis(loop.v, reductions);
  for (const s of loop.body) if (s.op === 'set' && !reductions.has(s.name)) analysis.temps.add(s.name);
  try {
    for (const s of loop.body) analysis.statement(s);
  } catch (e) {
    if (e instanceof NotVectorizable) return undefined;
    throw e;
  }
  if (analysis.temps.size) {
    const everywhere = new Map<string, number>();
    localsIn(ctx.kernel.body, everywhere);
    const inside = new Map<string, number>();
    localsIn(loop.body, inside);
    for (const name of analysis.temps) if (everywhere.get(name) !== inside.get(name)) return undefined;
  }
  return { temps: analysis.temps, reductions };
}

/** Renders one four-lane step of the body at the current value of the loop variable. */
export class VectorBody {
  /** Loop-invariant values splatted and accumulators started once before the loop: run this first. */
  readonly preamble: Ref[] = [];
  /** Accumulators folded back into their scalar locals: run this after the loop. */
  readonly postamble: Ref[] = [];
  private readonly hoisted = new Map<Expr, Local>();
  private readonly locals = new Map<string, Local>();
  private readonly accumulators = new Map<string, Local>();
  private readonly analysis: Analysis;

  constructor(
    private readonly ctx: KernelContext,
    private readonly loop: LoopStmt,
    private readonly plan: VectorPlan,
  ) {
    this.analysis = new Analysis(loop.v, plan.reductions);
    for (const t of plan.temps) this.analysis.temps.add(t);
    for (const r of plan.reductions.values()) {
      const v = ctx.temp(binaryen.v128);
      const scalar = ctx.scalar(r.name, r.type);
      this.accumulators.set(r.name, v);
      this.preamble.push(v.set(initVector(ctx, r, scalar.get())));
      this.postamble.push(scalar.set(finishVector(ctx, r, v)));
    }
  }

  render(): Ref[] {
    return this.loop.body.map((s) => this.statement(s));
  }

  private statement(s: Stmt): Ref {
    const ctx = this.ctx;
    if (s.op === 'store') {
      const dynamic = s.index.dynamic ? scalarExpr(ctx, s.index.dynamic) : undefined;
      const addr = elementAddress(ctx, s.buffer, s.dtype, s.index, dynamic);
      const stride = strideIn(s, this.loop.v);
      if (stride !== 1 && isWidth16(s.dtype))
        return storeLanes16(ctx, s.dtype, addr, 2 * stride, this.value(s.value));
      if (stride !== 1) return storeLanes(ctx, addr, 4 * stride, this.value(s.value));
      return storeVector(ctx, s.dtype, addr, this.value(s.value));
    }
    if (s.op !== 'set') throw new Error('unreachable: checked by vectorPlan');
    const r = this.plan.reductions.get(s.name);
    if (r) {
      const acc = this.accumulators.get(s.name)!;
      return acc.set(combineVectors(ctx, r, acc.get(), this.value(r.element)));
    }
    const value = this.value(s.value);
    this.analysis.statement(s);
    let local = this.locals.get(s.name);
    if (!local) {
      local = ctx.temp(binaryen.v128);
      this.locals.set(s.name, local);
    }
    return local.set(value);
  }

  /** The expression as four lanes in value form (compares as 0/1). */
  value(e: Expr): Ref {
    const m = this.ctx.m;
    if (this.analysis.kind(e) === 'uniform') return this.invariant(e) ? this.hoist(e) : this.splat(e);
    const t = typeOf(e);
    const one = (): Ref => m.i32x4.splat(m.i32.const(1));
    switch (e.op) {
      case 'var':
        return m.i32x4.add(m.i32x4.splat(this.ctx.variable(e.name).get()), m.v128.const(LANES_0123));
      case 'local':
        return this.locals.get(e.name)!.get();
      case 'load': {
        const dynamic = e.index.dynamic ? scalarExpr(this.ctx, e.index.dynamic) : undefined;
        const addr = elementAddress(this.ctx, e.buffer, e.dtype, e.index, dynamic);
        const stride = strideIn(e, this.loop.v);
        if (stride === 1) return loadVector(this.ctx, e.dtype, addr);
        return isWidth16(e.dtype)
          ? loadLanes16(this.ctx, e.dtype, addr, 2 * stride)
          : loadStrided(this.ctx, addr, stride);
      }
      case 'compare':
        return m.v128.and(this.mask(e), one());
      case 'unary':
        return this.unary(e);
      case 'binary':
        return t === 'f32' ? this.floatBinary(e) : this.intBinary(e);
      case 'select':
        return m.v128.bitselect(this.value(e.a), this.value(e.b), this.mask(e.cond));
      case 'convert':
        if (e.from === e.to) return this.value(e.x);
        return e.to === 'f32'
          ? e.unsigned
            ? m.f32x4.convert_i32x4_u(this.value(e.x))
            : m.f32x4.convert_i32x4_s(this.value(e.x))
          : e.unsigned
            ? m.i32x4.trunc_sat_f32x4_u(this.value(e.x))
            : m.i32x4.trunc_sat_f32x4_s(this.value(e.x));
      case 'const':
        return this.splat(e);
    }
  }

  /** An i32 condition as a lane mask (all ones where true). */
  private mask(e: Expr): Ref {
    const m = this.ctx.m;
    if (e.op === 'compare' && this.analysis.kind(e) === 'varying') {
      const a = this.value(e.a);
      const b = this.value(e.b);
      if (e.type === 'f32') return m.f32x4[e.fn](a, b);
      if (e.fn === 'eq' || e.fn === 'ne') return m.i32x4[e.fn](a, b);
      return m.i32x4[`${e.fn}_${e.unsigned ? 'u' : 's'}` as 'lt_s'](a, b);
    }
    return m.i32x4.ne(this.value(e), m.i32x4.splat(m.i32.const(0)));
  }

  /**
   * A uniform value that no iteration can change: it reads no buffer this kernel writes (so no
   * store in the loop aliases it). Constants stay inline (they fold to v128 constants).
   */
  private invariant(e: Expr): boolean {
    if (e.op === 'const') return false;
    for (const s of subExpressions(e))
      if (s.op === 'load' && this.ctx.kernel.writes.includes(s.buffer)) return false;
    return true;
  }

  private hoist(e: Expr): Ref {
    let local = this.hoisted.get(e);
    if (!local) {
      local = this.ctx.temp(binaryen.v128);
      this.preamble.push(local.set(this.splat(e)));
      this.hoisted.set(e, local);
    }
    return local.get();
  }

  private splat(e: Expr): Ref {
    const m = this.ctx.m;
    const s = scalarExpr(this.ctx, e);
    return typeOf(e) === 'f32' ? m.f32x4.splat(s) : m.i32x4.splat(s);
  }

  private unary(e: Extract<Expr, { op: 'unary' }>): Ref {
    const m = this.ctx.m;
    const x = this.value(e.x);
    if (typeOf(e.x) === 'f32') {
      if (isNativeFloatUnary(e.fn)) return m.f32x4[e.fn](x);
      if (e.fn === 'isnan') {
        const t = this.ctx.temp(binaryen.v128);
        const mask = m.f32x4.ne(t.get(), t.get());
        return m.block(null, [t.set(x), m.v128.and(mask, m.i32x4.splat(m.i32.const(1)))], binaryen.v128);
      }
      return this.ctx.lib.inline(`${e.fn}_f32x4`, [x], this.ctx.fb);
    }
    switch (e.fn) {
      case 'neg':
        return m.i32x4.neg(x);
      case 'abs':
        return m.i32x4.abs(x);
      case 'not':
        return m.v128.and(m.i32x4.eq(x, m.i32x4.splat(m.i32.const(0))), m.i32x4.splat(m.i32.const(1)));
      case 'bitnot':
        return m.v128.not(x);
      default:
        return x;
    }
  }

  private floatBinary(e: Extract<Expr, { op: 'binary' }>): Ref {
    const m = this.ctx.m;
    const F = m.f32x4;
    const k = (v: number): Ref => F.splat(m.f32.const(v));
    if (e.fn === 'pow') {
      const p = powSpecialCase(e.b)!;
      if (p === 0) return k(1);
      const x = this.value(e.a);
      if (p === 1) return x;
      if (p === -1) return F.div(k(1), x);
      const t = this.ctx.temp(binaryen.v128);
      const r =
        p === 2
          ? F.mul(t.get(), t.get())
          : p === 3
            ? F.mul(F.mul(t.get(), t.get()), t.get())
            : m.v128.bitselect(k(Infinity), F.add(F.sqrt(t.get()), k(0)), F.eq(t.get(), k(-Infinity)));
      return m.block(null, [t.set(x), r], binaryen.v128);
    }
    const op = e.fn as 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';
    return F[op](this.value(e.a), this.value(e.b));
  }

  private intBinary(e: Extract<Expr, { op: 'binary' }>): Ref {
    const m = this.ctx.m;
    const I = m.i32x4;
    const a = this.value(e.a);
    const u = e.unsigned ? 'u' : 's';
    switch (e.fn) {
      case 'add':
      case 'sub':
      case 'mul':
        return I[e.fn](a, this.value(e.b));
      case 'and':
      case 'or':
      case 'xor':
        return m.v128[e.fn](a, this.value(e.b));
      case 'min':
      case 'max':
        return I[`${e.fn}_${u}`](a, this.value(e.b));
      case 'shl':
      case 'shr': {
        // SIMD shift counts are taken mod 32; counts of 32 or more must give 0 (or the sign fill)
        const n = this.ctx.temp(binaryen.i32);
        const big = (): Ref => m.i32.ge_u(n.get(), m.i32.const(32));
        const shifted =
          e.fn === 'shr' && !e.unsigned
            ? I.shr_s(a, m.select(big(), m.i32.const(31), n.get()))
            : m.select(
                big(),
                I.splat(m.i32.const(0)),
                e.fn === 'shl' ? I.shl(a, n.get()) : I.shr_u(a, n.get()),
              );
        return m.block(null, [n.set(scalarExpr(this.ctx, e.b)), shifted], binaryen.v128);
      }
      default:
        throw new Error(`unreachable: ${e.fn} checked by vectorPlan`);
    }
  }
}
