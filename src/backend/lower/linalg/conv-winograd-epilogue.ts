import { binary, constant, unary } from '../../kernel/build.js';
import type { Activation, Expr } from '../../kernel/ir.js';

/**
 * The elementwise tail of a Winograd conv (after bias and residual) as vectorizable kernel IR: every
 * form below has an f32x4 rendering (min/max, select, the vector math routines).
 */
const f32 = (v: number): Expr => constant('f32', v);
const add = (a: Expr, b: Expr): Expr => binary('add', 'f32', a, b);
const mul = (a: Expr, b: Expr): Expr => binary('mul', 'f32', a, b);
const min = (a: Expr, b: Expr): Expr => binary('min', 'f32', a, b);
const max = (a: Expr, b: Expr): Expr => binary('max', 'f32', a, b);
const unit = (x: Expr): Expr => max(f32(0), min(f32(1), x));

/** `x` must be cheap to repeat (a local): most forms read it more than once. */
export function activationExpr(a: Activation, x: Expr): Expr {
  switch (a.kind) {
    case 'clamp': {
      let r = x;
      if (a.min !== -Infinity) r = max(r, f32(a.min));
      if (a.max !== Infinity) r = min(r, f32(a.max));
      return r;
    }
    case 'leakyrelu': {
      const negative: Expr = { op: 'compare', fn: 'lt', type: 'f32', a: x, b: f32(0) };
      return { op: 'select', type: 'f32', cond: negative, a: mul(f32(a.alpha), x), b: x };
    }
    case 'sigmoid':
      return unary('sigmoid', 'f32', x);
    case 'silu':
      return mul(x, unary('sigmoid', 'f32', x));
    case 'tanh':
      return unary('tanh', 'f32', x);
    case 'hardsigmoid':
      return unit(add(mul(f32(a.alpha), x), f32(a.beta)));
    case 'hardswish':
      return mul(x, unit(add(mul(f32(1 / 6), x), f32(0.5))));
    case 'gelu': {
      const half = mul(f32(0.5), x);
      if (a.approximate === 'none')
        return mul(half, add(f32(1), unary('erf', 'f32', mul(f32(Math.SQRT1_2), x))));
      const cube = mul(mul(x, x), x);
      const inner = mul(f32(Math.sqrt(2 / Math.PI)), add(x, mul(f32(0.044715), cube)));
      return mul(half, add(f32(1), unary('tanh', 'f32', inner)));
    }
  }
}
