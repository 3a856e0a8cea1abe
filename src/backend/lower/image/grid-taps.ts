import { convert, select, unary } from '../../kernel/build.js';
import type { Expr, Scalar, Stmt } from '../../kernel/ir.js';
import type { SampleOptions } from '../../../ops/image/grid-sample-taps.js';
import { and, F, f64, i32, locals, or, S } from './ir.js';

/**
 * GridSample along one spatial dim, as kernel IR: from the normalized grid value to the taps'
 * input indices and weights, mirroring ops/image/grid-sample-taps.ts operation by operation (the
 * coordinate in float32, reflection and the cubic weights in float64, rounded where the reference
 * rounds), so every rounding decision (nearest, floor, bounds) comes out the same.
 */
export interface Tap {
  /** Input index along the dim (i32), in bounds. */
  readonly index: Expr;
  /** Weight (f64). */
  readonly weight: Expr;
  /** i32 1 when the tap reads the image, 0 for a zero-padded pixel; absent when always 1. */
  readonly valid?: Expr;
}

export interface DimTaps {
  readonly stmts: Stmt[];
  readonly taps: Tap[];
}

const CUBIC_A = -0.75;

/**
 * `g` is the grid value in its compute type `gType`; `prefix` names this dim's locals. Every index
 * is clamped into [0, len) whatever the coordinate (NaN included), so loads stay in bounds.
 */
export function dimTaps(o: SampleOptions, g: Expr, gType: Scalar, len: number, prefix: string): DimTaps {
  const L = locals(prefix);
  const G = gType === 'f64' ? F : S;
  const x = L.get('x', 'f32');
  const lo = o.alignCorners ? 0 : -0.5;
  const hi = o.alignCorners ? len - 1 : len - 0.5;
  // f(g + 1) rounds the sum once, in whatever precision the grid arrives
  const a = convert(gType, 'f32', G.add(g, G.c(1)));
  const stmts: Stmt[] = [
    L.set('a', 'f32', a),
    L.set(
      'x',
      'f32',
      o.alignCorners
        ? S.mul(S.div(L.get('a', 'f32'), S.c(2)), S.c(len - 1))
        : S.div(S.sub(S.mul(L.get('a', 'f32'), S.c(len)), S.c(1)), S.c(2)),
    ),
  ];
  if (o.mode === 'nearest') stmts.push(L.set('x', 'f32', unary('nearest', 'f32', x)));
  const outside = or(S.lt(x, S.c(lo)), S.gt(x, S.c(hi)));
  if (o.padding === 'border') {
    stmts.push(L.set('x', 'f32', select('f32', outside, S.min(S.max(x, S.c(0)), S.c(len - 1)), x)));
  } else if (o.padding === 'reflection') {
    const [rs, r] = reflect(`${prefix}rx`, convert('f32', 'f64', x), lo, hi);
    stmts.push(...rs, L.set('x', 'f32', select('f32', outside, convert('f64', 'f32', r), x)));
  }
  const taps: Tap[] = [];
  const addTap = (k: number, at: Expr, weight: Expr) => {
    const [ps, tap] = pixel(o, `${prefix}t${k}`, at, len, lo, hi);
    stmts.push(...ps, L.set(`w${k}`, 'f64', weight));
    taps.push({ ...tap, weight: L.get(`w${k}`, 'f64') });
  };
  if (o.mode === 'nearest') {
    addTap(0, convert('f32', 'f64', unary('trunc', 'f32', x)), f64(1));
    return { stmts, taps };
  }
  const x0 = L.get('x0', 'f64');
  const t = L.get('t', 'f32');
  stmts.push(
    L.set('fl', 'f32', unary('floor', 'f32', x)),
    L.set('t', 'f32', S.sub(x, L.get('fl', 'f32'))),
    L.set('x0', 'f64', convert('f32', 'f64', L.get('fl', 'f32'))),
  );
  if (o.mode === 'linear') {
    addTap(0, x0, convert('f32', 'f64', S.sub(S.c(1), t)));
    addTap(1, F.add(x0, f64(1)), convert('f32', 'f64', t));
    return { stmts, taps };
  }
  const t64 = L.get('t64', 'f64');
  stmts.push(L.set('t64', 'f64', convert('f32', 'f64', t)));
  const a2 = f64(CUBIC_A);
  // the reference's own operation order; its weights are float32
  const far = (s: Expr) =>
    F.sub(
      F.mul(F.add(F.mul(F.sub(F.mul(a2, s), f64(5 * CUBIC_A)), s), f64(8 * CUBIC_A)), s),
      f64(4 * CUBIC_A),
    );
  const near = (s: Expr) =>
    F.add(F.mul(F.mul(F.sub(F.mul(f64(CUBIC_A + 2), s), f64(CUBIC_A + 3)), s), s), f64(1));
  const round32 = (v: Expr) => convert('f32', 'f64', convert('f64', 'f32', v));
  const weights = [far(F.add(t64, f64(1))), near(t64), near(F.sub(f64(1), t64)), far(F.sub(f64(2), t64))];
  weights.forEach((w, k) => addTap(k, F.add(x0, f64(k - 1)), round32(w)));
  return { stmts, taps };
}

/**
 * reflect(x, lo, hi) of the reference, in f64: folds x into [lo, hi] at the nearer border. Both
 * folds are computed and selected (no branches), as locals under `prefix`.
 */
function reflect(prefix: string, x: Expr, lo: number, hi: number): [Stmt[], Expr] {
  const range = hi - lo;
  if (range <= 0) return [[], f64(lo)];
  const L = locals(prefix);
  const v = L.get('v', 'f64');
  const fold = (dx: Expr, tag: string): [Stmt[], Expr, Expr] => {
    const d = L.get(`d${tag}`, 'f64');
    const n = L.get(`n${tag}`, 'f64');
    const r = L.get(`r${tag}`, 'f64');
    const stmts = [
      L.set(`d${tag}`, 'f64', dx),
      L.set(`n${tag}`, 'f64', unary('trunc', 'f64', F.div(d, f64(range)))),
      L.set(`r${tag}`, 'f64', F.sub(d, F.mul(n, f64(range)))),
    ];
    return [stmts, F.eq(F.rem(n, f64(2)), f64(0)), r];
  };
  const [bs, bEven, br] = fold(F.sub(f64(lo), v), 'b');
  const [as, aEven, ar] = fold(F.sub(v, f64(hi)), 'a');
  const below = select('f64', bEven, F.add(f64(lo), br), F.sub(f64(hi), br));
  const above = select('f64', aEven, F.sub(f64(hi), ar), F.add(f64(lo), ar));
  const value = select('f64', F.lt(v, f64(lo)), below, select('f64', F.gt(v, f64(hi)), above, v));
  return [[L.set('v', 'f64', x), ...bs, ...as], value];
}

/** pixel() of the reference for an f64 tap position: the index it reads, or a zero-padded tap. */
function pixel(
  o: SampleOptions,
  prefix: string,
  at: Expr,
  len: number,
  lo: number,
  hi: number,
): [Stmt[], Omit<Tap, 'weight'>] {
  const L = locals(prefix);
  const p = L.get('p', 'f64');
  const inside = L.get('in', 'i32');
  const index = L.get('i', 'i32');
  const stmts: Stmt[] = [L.set('p', 'f64', at), L.set('in', 'i32', and(F.ge(p, f64(0)), F.lt(p, f64(len))))];
  const direct = select('i32', inside, convert('f64', 'i32', p), i32(0));
  if (o.padding === 'zeros') {
    stmts.push(L.set('i', 'i32', direct));
    return [stmts, { index, valid: inside }];
  }
  let fallback: Expr;
  if (o.padding === 'border') fallback = select('i32', F.lt(p, f64(0)), i32(0), i32(len - 1));
  else {
    const [rs, r] = reflect(`${prefix}r`, p, lo, hi);
    stmts.push(...rs, L.set('r', 'f64', unary('trunc', 'f64', r)));
    const rr = L.get('r', 'f64');
    // a NaN position (NaN coordinate) reads index 0, as the reference's Int32Array stores NaN
    fallback = select(
      'i32',
      F.lt(rr, f64(0)),
      i32(0),
      select('i32', F.ge(rr, f64(len)), i32(len - 1), convert('f64', 'i32', rr)),
    );
  }
  stmts.push(L.set('i', 'i32', select('i32', inside, convert('f64', 'i32', p), fallback)));
  return [stmts, { index }];
}
