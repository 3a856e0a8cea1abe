import type { Activation, GemmCall } from '../kernel/ir.js';
import { binaryen, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';

/**
 * The gemm epilogue applied to accumulators in registers before the store: + residual, then the
 * activation, then clamp (bias and C are the accumulators' initial value). Vector and scalar forms
 * compute the same thing: with SIMD, a scalar edge runs the vector math routines in lane 0, so an
 * element does not change with the tile that computes it. Semantics: kernel/gemm-call.ts `activate`.
 */

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Statements turning the accumulator `v` (f32x4) into the stored value; `residual` is R's vector. */
export function finishVector(ctx: KernelContext, g: GemmCall, v: Local, residual: Ref | undefined): Ref[] {
  const m = ctx.m;
  const F = m.f32x4;
  const code: Ref[] = [];
  if (residual) code.push(v.set(F.add(v.get(), residual)));
  if (g.activation) code.push(v.set(activationVector(ctx, g.activation, v.get)));
  if (g.clamp) {
    let r = v.get();
    if (g.clamp.min !== -Infinity) r = F.max(r, splat(ctx, g.clamp.min));
    if (g.clamp.max !== Infinity) r = F.min(r, splat(ctx, g.clamp.max));
    code.push(v.set(r));
  }
  return code;
}

/** The scalar form of finishVector for f32 `s`. */
export function finishScalar(ctx: KernelContext, g: GemmCall, s: Local, residual: Ref | undefined): Ref[] {
  const m = ctx.m;
  const code: Ref[] = [];
  if (residual) code.push(s.set(m.f32.add(s.get(), residual)));
  if (g.activation) {
    if (ctx.target.simd) {
      const lane = activationVector(ctx, g.activation, () => m.f32x4.splat(s.get()), false);
      code.push(s.set(m.f32x4.extract_lane(lane, 0)));
    } else {
      code.push(s.set(activationScalar(ctx, g.activation, s.get)));
    }
  }
  if (g.clamp) {
    let r = s.get();
    if (g.clamp.min !== -Infinity) r = m.f32.max(r, m.f32.const(g.clamp.min));
    if (g.clamp.max !== Infinity) r = m.f32.min(r, m.f32.const(g.clamp.max));
    code.push(s.set(r));
  }
  return code;
}

function splat(ctx: KernelContext, value: number): Ref {
  return ctx.m.f32x4.splat(ctx.m.f32.const(value));
}

/**
 * f(x) for four lanes; `x` may be called several times (a local.get or a pure splat). pmin/pmax are
 * the references' compares (`x < lo ? lo : x`): NaN and -0 pass through as in Relu and Clip. Tiles
 * expand the math routines in place (`inline`): a call per vector cost 2.4x the routine's own time
 * (spills around the call and v128 constants rematerialized on each entry). Activating in registers
 * before the store measured 7% faster than storing the tile and activating it from L1.
 */
function activationVector(ctx: KernelContext, a: Activation, x: () => Ref, inline = true): Ref {
  const m = ctx.m;
  const F = m.f32x4;
  const math = (name: string, arg: Ref): Ref =>
    inline ? ctx.lib.inline(name, [arg], ctx.fb) : ctx.lib.call(name, [arg]);
  const k = (v: number): Ref => splat(ctx, v);
  const unit = (v: Ref): Ref => F.pmax(F.pmin(v, k(1)), k(0));
  switch (a.kind) {
    case 'clamp': {
      let r = x();
      if (a.min !== -Infinity) r = F.pmax(r, k(a.min));
      if (a.max !== Infinity) r = F.pmin(r, k(a.max));
      return r;
    }
    case 'leakyrelu':
      return m.v128.bitselect(F.mul(x(), k(a.alpha)), x(), F.lt(x(), k(0)));
    case 'sigmoid':
      return math('sigmoid_f32x4', x());
    case 'silu':
      return F.mul(x(), math('sigmoid_f32x4', x()));
    case 'tanh':
      return math('tanh_f32x4', x());
    case 'hardsigmoid':
      return unit(F.add(F.mul(x(), k(a.alpha)), k(a.beta)));
    case 'hardswish':
      // x * (1/6) instead of x / 6: within an ulp, as the elementwise HardSwish
      return F.mul(x(), unit(F.add(F.mul(x(), k(1 / 6)), k(0.5))));
    case 'gelu': {
      const half = F.mul(x(), k(0.5));
      if (a.approximate === 'tanh') {
        const cube = F.mul(F.mul(x(), k(0.044715)), F.mul(x(), x()));
        const t = math('tanh_f32x4', F.mul(F.add(x(), cube), k(SQRT_2_OVER_PI)));
        return F.mul(half, F.add(t, k(1)));
      }
      return F.mul(half, F.add(math('erf_f32x4', F.mul(x(), k(SQRT1_2))), k(1)));
    }
  }
}

/** f(x) in scalar f32 for targets without SIMD (scalar math routines round once from double). */
function activationScalar(ctx: KernelContext, a: Activation, x: () => Ref): Ref {
  const m = ctx.m;
  const F = m.f32;
  const k = (v: number): Ref => F.const(v);
  const lt = (p: Ref, q: Ref): Ref => F.lt(p, q);
  // select on a compare of a local and a constant reads both operands more than once: keep them pure
  const below = (v: () => Ref, lo: number): Ref => m.select(lt(v(), k(lo)), k(lo), v());
  const above = (v: () => Ref, hi: number): Ref => m.select(lt(k(hi), v()), k(hi), v());
  const t = ctx.temp(binaryen.f32);
  const unit = (v: Ref): Ref =>
    m.block(null, [t.set(v), t.set(above(t.get, 1)), below(t.get, 0)], binaryen.f32);
  switch (a.kind) {
    case 'clamp': {
      if (a.min === -Infinity && a.max === Infinity) return x();
      const lo = a.min === -Infinity ? x() : below(x, a.min);
      return a.max === Infinity ? lo : m.block(null, [t.set(lo), above(t.get, a.max)], binaryen.f32);
    }
    case 'leakyrelu':
      return m.select(lt(x(), k(0)), F.mul(x(), k(a.alpha)), x());
    case 'sigmoid':
      return ctx.lib.call('sigmoid_f32', [x()]);
    case 'silu':
      return F.mul(x(), ctx.lib.call('sigmoid_f32', [x()]));
    case 'tanh':
      return ctx.lib.call('tanh_f32', [x()]);
    case 'hardsigmoid':
      return unit(F.add(F.mul(x(), k(a.alpha)), k(a.beta)));
    case 'hardswish':
      return F.mul(x(), unit(F.add(F.mul(x(), k(1 / 6)), k(0.5))));
    case 'gelu': {
      const half = F.mul(x(), k(0.5));
      if (a.approximate === 'tanh') {
        const cube = F.mul(F.mul(x(), k(0.044715)), F.mul(x(), x()));
        const th = ctx.lib.call('tanh_f32', [F.mul(F.add(x(), cube), k(SQRT_2_OVER_PI))]);
        return F.mul(half, F.add(th, k(1)));
      }
      return F.mul(half, F.add(ctx.lib.call('erf_f32', [F.mul(x(), k(SQRT1_2))]), k(1)));
    }
  }
}
