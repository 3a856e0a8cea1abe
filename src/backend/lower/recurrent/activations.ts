import type { Expr } from '../../kernel/ir.js';
import type { Activation } from '../../../ops/recurrent/rnn-activations.js';
import type { Num, Scope } from '../elementwise/scalar.js';
import { expm1, softplus } from '../elementwise/math.js';

/**
 * The recurrent activation functions as kernel-IR formulas, mirroring the reference's `activate`
 * (src/ops/recurrent/rnn-activations.ts) including where NaN goes: `v >= 0 ? v : alpha v` keeps a
 * NaN input NaN, as the reference's branch does.
 */
export function activation(a: Activation, n: Num, s: Scope, x: Expr): Expr {
  const v = s.let(x);
  const alpha = n.c(a.alpha);
  const beta = n.c(a.beta);
  switch (a.kind) {
    case 'relu':
      return n.max(n.c(0), v);
    case 'tanh':
      return n.u('tanh', v);
    case 'sigmoid':
      return n.u('sigmoid', v);
    case 'affine':
      return n.add(n.mul(alpha, v), beta);
    case 'leakyrelu':
      return n.sel(n.ge(v, n.c(0)), v, n.mul(alpha, v));
    case 'thresholdedrelu':
      return n.sel(n.gt(v, alpha), v, n.c(0));
    case 'scaledtanh':
      return n.mul(alpha, n.u('tanh', n.mul(beta, v)));
    case 'hardsigmoid':
      return n.max(n.c(0), n.min(n.c(1), n.add(n.mul(alpha, v), beta)));
    case 'elu':
      return n.sel(n.ge(v, n.c(0)), v, n.mul(alpha, expm1(n, s, v)));
    case 'softsign':
      return n.div(v, n.add(n.c(1), n.abs(v)));
    case 'softplus':
      return softplus(n, s, v);
  }
}

/** min(clip, max(-clip, x)) for a clip threshold > 0 (the reference's "no clip" is 0). */
export function clipped(n: Num, x: Expr, clip: number): Expr {
  return clip > 0 ? n.min(n.c(clip), n.max(n.c(-clip), x)) : x;
}

/** act(clip(x)), bound to a local. */
export function gate(a: Activation, n: Num, s: Scope, x: Expr, clip: number): Expr {
  return s.let(activation(a, n, s, clipped(n, x, clip)));
}
