import type { BinaryFn, CompareFn, Expr, Scalar, UnaryFn } from '../kernel/ir.js';
import type { Local, Module, Ref } from './binaryen.js';
import { RenderError, wasmType, type KernelContext } from './context.js';
import { elementAddress, loadScalar } from './memory-access.js';
import { expectType, isFloat, subExpressions, typeOf } from './types.js';

/** Scalar rendering of kernel expressions: one wasm value per IR value. */

export function constant(m: Module, type: Scalar, value: number | bigint): Ref {
  switch (type) {
    case 'f32':
      return m.f32.const(Number(value));
    case 'f64':
      return m.f64.const(Number(value));
    case 'i32':
      return m.i32.const(typeof value === 'bigint' ? Number(BigInt.asIntN(32, value)) : Number(value) | 0);
    case 'i64':
      if (typeof value === 'number' && !Number.isInteger(value))
        throw new RenderError(`i64 constant ${value}`);
      return m.i64.const(BigInt.asIntN(64, BigInt(value)));
  }
}

export function scalarExpr(ctx: KernelContext, e: Expr): Ref {
  const m = ctx.m;
  switch (e.op) {
    case 'const':
      return constant(m, e.type, e.value);
    case 'var':
      return ctx.variable(e.name).get();
    case 'local':
      return ctx.scalar(e.name, e.type).get();
    case 'load': {
      let dynamic: Ref | undefined;
      if (e.index.dynamic) {
        expectType(e.index.dynamic, 'i32', `index of ${e.buffer}`);
        dynamic = scalarExpr(ctx, e.index.dynamic);
      }
      return loadScalar(ctx, e.dtype, elementAddress(ctx, e.buffer, e.dtype, e.index, dynamic));
    }
    case 'unary':
      return unary(ctx, e.fn, e.type, e.x);
    case 'binary':
      expectType(e.a, e.type, e.fn);
      expectType(e.b, e.type, e.fn);
      return binary(ctx, e.fn, e.type, e.a, e.b, e.unsigned ?? false);
    case 'compare':
      expectType(e.a, e.type, e.fn);
      expectType(e.b, e.type, e.fn);
      return compare(m, e.fn, e.type, scalarExpr(ctx, e.a), scalarExpr(ctx, e.b), e.unsigned ?? false);
    case 'select': {
      expectType(e.cond, 'i32', 'select condition');
      expectType(e.a, e.type, 'select');
      expectType(e.b, e.type, 'select');
      const cond = scalarExpr(ctx, e.cond);
      const a = scalarExpr(ctx, e.a);
      const b = scalarExpr(ctx, e.b);
      // wasm's select evaluates both arms: a gather guarded by the condition must not run
      return hasGather(e.a) || hasGather(e.b) ? m.if(cond, a, b) : m.select(cond, a, b);
    }
    case 'convert':
      expectType(e.x, e.from, 'convert');
      return convert(m, e.from, e.to, scalarExpr(ctx, e.x), e.unsigned ?? false);
  }
}

function hasGather(e: Expr): boolean {
  for (const s of subExpressions(e)) if (s.op === 'load' && s.index.dynamic) return true;
  return false;
}

const NATIVE_FLOAT_UNARY = ['neg', 'abs', 'sqrt', 'floor', 'ceil', 'trunc', 'nearest'] as const;
type NativeFloatUnary = (typeof NATIVE_FLOAT_UNARY)[number];

export function isNativeFloatUnary(fn: UnaryFn): fn is NativeFloatUnary {
  return (NATIVE_FLOAT_UNARY as readonly string[]).includes(fn);
}

function unary(ctx: KernelContext, fn: UnaryFn, type: Scalar, xe: Expr): Ref {
  const m = ctx.m;
  const xt = typeOf(xe);
  if (fn === 'isnan') {
    if (!isFloat(xt)) return m.i32.const(0);
    const F = xt === 'f32' ? m.f32 : m.f64;
    return bind(ctx, [[xt, scalarExpr(ctx, xe)]], 'i32', ([t]) => F.ne(t.get(), t.get()));
  }
  expectType(xe, type, fn);
  const x = scalarExpr(ctx, xe);
  if (type === 'f32' || type === 'f64') {
    const F = type === 'f32' ? m.f32 : m.f64;
    if (isNativeFloatUnary(fn)) return F[fn](x);
    if (fn === 'not' || fn === 'bitnot') throw new RenderError(`${fn} on ${type}`);
    return ctx.lib.call(`${fn}_${type}`, [x]);
  }
  const T = type === 'i32' ? m.i32 : m.i64;
  const k = (v: number): Ref => constant(m, type, v);
  switch (fn) {
    case 'neg':
      return T.sub(k(0), x);
    case 'abs':
      return bind(ctx, [[type, x]], type, ([t]) =>
        m.select(T.lt_s(t.get(), k(0)), T.sub(k(0), t.get()), t.get()),
      );
    case 'not':
      return type === 'i32' ? m.i32.eqz(x) : m.i64.extend_u(m.i64.eqz(x));
    case 'bitnot':
      return T.xor(x, k(-1));
    case 'floor':
    case 'ceil':
    case 'trunc':
    case 'nearest':
      return x;
    default:
      throw new RenderError(`${fn} on ${type}`);
  }
}

/** pow with a constant exponent that has an exact cheap form (as onnxruntime specializes them). */
export function powSpecialCase(b: Expr): number | undefined {
  if (b.op !== 'const') return undefined;
  const v = Number(b.value);
  return [0, 1, 2, 3, 0.5, -1].includes(v) ? v : undefined;
}

function binary(ctx: KernelContext, fn: BinaryFn, type: Scalar, ae: Expr, be: Expr, unsigned: boolean): Ref {
  const m = ctx.m;
  if (type === 'f32' || type === 'f64') return floatBinary(ctx, fn, type, ae, be);
  const T = type === 'i32' ? m.i32 : m.i64;
  const bits = type === 'i32' ? 32 : 64;
  const divisor = be.op === 'const' ? Number(be.value) : undefined;
  const a = scalarExpr(ctx, ae);
  const b = scalarExpr(ctx, be);
  const routine = (name: string): Ref => ctx.lib.call(`${name}_${type}`, [a, b]);
  switch (fn) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'and':
    case 'or':
    case 'xor':
      return T[fn](a, b);
    case 'div':
      if (divisor !== undefined && divisor !== 0 && divisor !== -1)
        return unsigned ? T.div_u(a, b) : T.div_s(a, b);
      return routine(unsigned ? 'div_u' : 'div_s');
    case 'rem':
      if (divisor !== undefined && divisor !== 0) return unsigned ? T.rem_u(a, b) : T.rem_s(a, b);
      return routine(unsigned ? 'rem_u' : 'rem_s');
    case 'shl':
    case 'shr': {
      const native = fn === 'shl' ? T.shl : unsigned ? T.shr_u : T.shr_s;
      if (divisor !== undefined && divisor >= 0 && divisor < bits) return native(a, b);
      return routine(fn === 'shl' ? 'shl' : unsigned ? 'shr_u' : 'shr_s');
    }
    case 'min':
    case 'max':
      return bind(
        ctx,
        [
          [type, a],
          [type, b],
        ],
        type,
        ([ta, tb]) => {
          const less = unsigned ? T.lt_u(ta.get(), tb.get()) : T.lt_s(ta.get(), tb.get());
          return fn === 'min' ? m.select(less, ta.get(), tb.get()) : m.select(less, tb.get(), ta.get());
        },
      );
    case 'pow':
      return ctx.lib.call(`pow_${unsigned ? 'u' : 'i'}${bits}`, [a, b]);
  }
}

function floatBinary(ctx: KernelContext, fn: BinaryFn, type: 'f32' | 'f64', ae: Expr, be: Expr): Ref {
  const m = ctx.m;
  const F = type === 'f32' ? m.f32 : m.f64;
  if (fn === 'pow') {
    const special = powSpecialCase(be);
    if (special !== undefined) return powConstant(ctx, type, ae, special);
  }
  const a = scalarExpr(ctx, ae);
  const b = scalarExpr(ctx, be);
  switch (fn) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'min':
    case 'max':
      return F[fn](a, b);
    case 'rem':
      return ctx.lib.call(`fmod_${type}`, [a, b]);
    case 'pow':
      return ctx.lib.call(`pow_${type}`, [a, b]);
    default:
      throw new RenderError(`${fn} on ${type}`);
  }
}

function powConstant(ctx: KernelContext, type: 'f32' | 'f64', ae: Expr, p: number): Ref {
  const m = ctx.m;
  const F = type === 'f32' ? m.f32 : m.f64;
  if (p === 0) return F.const(1);
  const x = scalarExpr(ctx, ae);
  if (p === 1) return x;
  if (p === -1) return F.div(F.const(1), x);
  return bind(ctx, [[type, x]], type, ([t]) => {
    if (p === 2) return F.mul(t.get(), t.get());
    if (p === 3) return F.mul(F.mul(t.get(), t.get()), t.get());
    // pow(x, 0.5) differs from sqrt at -0 (+0) and -inf (+inf)
    return m.select(F.eq(t.get(), F.const(-Infinity)), F.const(Infinity), F.add(F.sqrt(t.get()), F.const(0)));
  });
}

/**
 * Evaluates `values` into fresh locals, then `body` over them. (Not local.tee inside the operands:
 * wasm's select evaluates its condition last, after both arms.)
 */
export function bind(
  ctx: KernelContext,
  values: readonly (readonly [Scalar, Ref])[],
  result: Scalar,
  body: (locals: Local[]) => Ref,
): Ref {
  const locals = values.map(([t]) => ctx.temp(wasmType(t)));
  return ctx.m.block(null, [...values.map(([, v], i) => locals[i]!.set(v)), body(locals)], wasmType(result));
}

export function compare(m: Module, fn: CompareFn, type: Scalar, a: Ref, b: Ref, unsigned: boolean): Ref {
  if (type === 'f32' || type === 'f64') {
    const F = type === 'f32' ? m.f32 : m.f64;
    return F[fn](a, b);
  }
  const T = type === 'i32' ? m.i32 : m.i64;
  if (fn === 'eq' || fn === 'ne') return T[fn](a, b);
  const op = `${fn}_${unsigned ? 'u' : 's'}` as 'lt_s';
  return T[op](a, b);
}

export function convert(m: Module, from: Scalar, to: Scalar, x: Ref, unsigned: boolean): Ref {
  if (from === to) return x;
  if (from === 'f32' && to === 'f64') return m.f64.promote(x);
  if (from === 'f64' && to === 'f32') return m.f32.demote(x);
  if (from === 'i32' && to === 'i64') return unsigned ? m.i64.extend_u(x) : m.i64.extend_s(x);
  if (from === 'i64' && to === 'i32') return m.i32.wrap(x);
  if (to === 'f32' || to === 'f64') {
    const F = to === 'f32' ? m.f32 : m.f64;
    const conv = unsigned ? F.convert_u : F.convert_s;
    return from === 'i32' ? conv.i32(x) : conv.i64(x);
  }
  const I = to === 'i32' ? m.i32 : m.i64;
  const trunc = unsigned ? I.trunc_u_sat : I.trunc_s_sat;
  return from === 'f32' ? trunc.f32(x) : trunc.f64(x);
}
