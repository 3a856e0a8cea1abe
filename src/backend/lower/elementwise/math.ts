import type { Expr } from '../../kernel/ir.js';
import { all, differ, Num, to, type Scope } from './scalar.js';

/**
 * Formulas the kernel IR has no single function for, built from the ones it has. Each is written for
 * the precision the reference reaches (it computes in float64 and rounds once), not as a textbook
 * expansion.
 */

/** 1/k! for k = 0..9. */
const INV_FACT = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880];

/**
 * e^x - 1. exp(x) - 1 cancels near 0 (all accuracy lost at |x| ~ 2^-24 in f32), so small |x| use the
 * Taylor series to x^9 (truncation below 2^-28 relative for |x| < 1/2 in f32, below 2^-52 for
 * |x| < 1/16 in f64); above the threshold the cancellation costs at most a few ulps.
 */
export function expm1(n: Num, s: Scope, x: Expr): Expr {
  const v = s.let(x);
  let p = n.c(INV_FACT[9]!);
  for (let k = 8; k >= 1; k--) p = n.add(n.c(INV_FACT[k]!), n.mul(v, p));
  const series = n.mul(v, p);
  const small = n.lt(n.abs(v), n.c(n.t === 'f64' ? 1 / 16 : 0.5));
  return n.sel(small, series, n.sub(n.u('exp', v), n.c(1)));
}

/** log(1 + e) for e >= 0, Kahan's way: the rounding error of 1 + e cancels in log(u) * e / (u - 1). */
export function log1p(n: Num, s: Scope, e: Expr): Expr {
  const ev = s.let(e);
  const u = s.let(n.add(n.c(1), ev));
  return n.sel(n.eq(u, n.c(1)), ev, n.mul(n.u('log', u), n.div(ev, n.sub(u, n.c(1)))));
}

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x, no loss for very negative x. */
export function softplus(n: Num, s: Scope, x: Expr): Expr {
  const v = s.let(x);
  return n.add(n.max(v, n.c(0)), log1p(n, s, n.u('exp', n.neg(n.abs(v)))));
}

/**
 * C's remainder turned into the floored modulo (sign of the divisor): numpy.mod, ONNX Mod fmod=0.
 * A zero divisor gives 0 for integers (the IR's rem) and NaN for floats, as the reference does.
 */
export function floorMod(n: Num, s: Scope, x: Expr, y: Expr): Expr {
  const yv = s.let(y);
  const r = s.let(n.rem(x, yv));
  const fix = all(n.ne(r, n.c(0)), differ(n.lt(r, n.c(0)), n.lt(yv, n.c(0))));
  return n.sel(fix, n.add(r, yv), r);
}

/**
 * Integer x^y with wraparound; a negative exponent truncates x^y toward zero (1 for x = 1, +-1 for
 * x = -1, else 0) as the reference does. The IR's integer pow is only asked for y >= 0.
 */
export function intPow(n: Num, s: Scope, x: Expr, y: Expr): Expr {
  const xv = s.let(x);
  const yv = s.let(y);
  const odd = n.ne(n.and(yv, n.c(1)), n.c(0));
  const minusOne = n.sel(odd, n.c(-1), n.c(1));
  const negative = n.sel(n.eq(xv, n.c(1)), n.c(1), n.sel(n.eq(xv, n.c(-1)), minusOne, n.c(0)));
  return n.sel(n.lt(yv, n.c(0)), negative, n.pow(xv, yv));
}

/**
 * x (float64) rounded to `p` significant bits, ties to even, with `emin` the smallest normal exponent
 * (below it the spacing stays 2^(emin - p + 1), as subnormals do) and `emax` the largest exponent
 * that needs exact rounding (larger values overflow the target whatever the rounding). The exponent is found by a
 * binary search of compares, then adding and subtracting 1.5 * 2^52 ulps rounds at exactly that ulp:
 * one correct rounding where f64 -> f32 -> half would round twice. The result is exact in f32.
 */
export function roundToBits(s: Scope, x: Expr, p: number, emin: number, emax: number): Expr {
  const n = new Num('f64');
  const xv = s.let(x);
  let a = s.let(n.mul(n.abs(xv), n.c(2 ** -emin)));
  let q = n.c(2 ** (emin - p + 1));
  let k = 1;
  while (2 * k - 1 < emax - emin) k *= 2;
  for (; k >= 1; k /= 2) {
    const c = s.let(n.ge(a, n.c(2 ** k)));
    a = s.let(n.sel(c, n.mul(a, n.c(2 ** -k)), a));
    q = s.let(n.sel(c, n.mul(q, n.c(2 ** k)), q));
  }
  const m = s.let(n.mul(q, n.c(1.5 * 2 ** 52)));
  const r = s.let(n.sub(n.add(xv, m), m));
  // a result of zero keeps the sign of x
  return to(n.sel(n.eq(r, n.c(0)), n.mul(xv, n.c(0)), r), 'f32');
}

/**
 * An integral float64 r in [-2^64, 2^65) to the i64 whose bits are r modulo 2^64: what a typed-array
 * store of BigInt(trunc(r)) keeps. The IR's convert saturates instead, so each range converts apart.
 */
export function wrapToI64(s: Scope, r: Expr): Expr {
  const n = new Num('f64');
  const i = new Num('i64');
  const v = s.let(r);
  const signed = (e: Expr) => to(e, 'i64');
  const unsigned = (e: Expr) => to(e, 'i64', true);
  return i.sel(
    n.ge(v, n.c(2 ** 64)),
    unsigned(n.sub(v, n.c(2 ** 64))),
    i.sel(
      n.ge(v, n.c(2 ** 63)),
      unsigned(v),
      i.sel(n.ge(v, n.c(-(2 ** 63))), signed(v), signed(n.add(v, n.c(2 ** 64)))),
    ),
  );
}
