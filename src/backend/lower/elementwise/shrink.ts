import { computeType, isUnsignedDType } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { LoweringUnsupported } from '../lowering.js';
import { attrNumber, type Env } from './common.js';
import { wrapToI64 } from './math.js';
import { Num, to } from './scalar.js';

/**
 * Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0. Floats compute in their compute type.
 * Integers follow the reference, which computes in float64 and lets the store truncate and wrap, so
 * they go through f64 and a modular conversion back.
 */
export function shrink(x: Expr, e: Env): Expr {
  const lambd = attrNumber(e, 'lambd');
  const bias = attrNumber(e, 'bias');
  if (e.n.float) return formula(e.n, e.s.let(x), lambd, bias);
  // the modular conversion covers [-2^64, 2^65): every integer plus a bias below 2^62
  if (!(Math.abs(bias) < 2 ** 62)) {
    throw new LoweringUnsupported(
      `Shrink of ${e.dtype} with bias ${bias} (integer wraparound beyond 2^64) is not lowered`,
    );
  }
  const f = new Num('f64');
  const r = formula(f, e.s.let(to(x, 'f64', isUnsignedDType(e.dtype))), lambd, bias);
  const wrapped = wrapToI64(e.s, r);
  return to(wrapped, computeType(e.dtype));
}

function formula(n: Num, v: Expr, lambd: number, bias: number): Expr {
  const low = n.add(v, n.c(bias));
  const high = n.sub(v, n.c(bias));
  return n.sel(n.lt(v, n.c(-lambd)), low, n.sel(n.gt(v, n.c(lambd)), high, n.c(0)));
}
