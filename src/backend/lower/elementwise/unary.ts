import type { Expr, UnaryFn } from '../../kernel/ir.js';
import { isUnsignedDType } from '../../kernel/build.js';
import { attrNumber, envOf, inputOf, outputOf, type Env } from './common.js';
import { operand } from './map.js';
import { registerMapLowerings, type MapLowering } from './map-registry.js';
import { expm1, softplus } from './math.js';
import { dtypeName, snake } from './names.js';
import { any } from './scalar.js';
import { shrink } from './shrink.js';

/**
 * One-input ops: each is only its scalar formula over the input's value in its compute type (f32 for
 * float32/float16/bfloat16, f64, i32, i64); the map generator does the rest. Formulas mirror the
 * reference's (src/ops/elementwise/unary.ts, activations.ts), including how NaN passes through
 * compares: `x < 0 ? 0 : x` keeps NaN where max(x, 0) would too, and so on.
 */
export type UnaryFormula = (x: Expr, e: Env) => Expr;

const fn =
  (f: UnaryFn): UnaryFormula =>
  (x, { n }) =>
    n.u(f, x);

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const gelu: UnaryFormula = (x, e) => {
  const { n, s } = e;
  const v = s.let(x);
  const half = n.mul(n.c(0.5), v);
  if (e.attrs.approximate === 'tanh') {
    const cube = n.mul(n.mul(n.c(0.044715), v), n.mul(v, v));
    return n.mul(half, n.add(n.c(1), n.u('tanh', n.mul(n.c(SQRT_2_OVER_PI), n.add(v, cube)))));
  }
  return n.mul(half, n.add(n.c(1), n.u('erf', n.mul(v, n.c(SQRT1_2)))));
};

const isInf: UnaryFormula = (x, e) => {
  const { n, s } = e;
  const v = s.let(x);
  const pos = attrNumber(e, 'detect_positive') !== 0 ? n.eq(v, n.c(Infinity)) : undefined;
  const neg = attrNumber(e, 'detect_negative') !== 0 ? n.eq(v, n.c(-Infinity)) : undefined;
  if (pos && neg) return any(pos, neg);
  return pos ?? neg ?? { op: 'const', type: 'i32', value: 0 };
};

/** Op type -> formula. IsNaN, IsInf and Not yield i32 0/1 for their bool output. */
export const UNARY: Readonly<Record<string, UnaryFormula>> = {
  Abs: (x, { n, dtype }) => (isUnsignedDType(dtype) ? x : n.abs(x)),
  Neg: (x, { n }) => n.neg(x),
  // NaN and signed zeros pass through; unsigned compares make `x < 0` false
  Sign: (x, { n, s }) => {
    const v = s.let(x);
    return n.sel(n.gt(v, n.c(0)), n.c(1), n.sel(n.lt(v, n.c(0)), n.c(-1), v));
  },
  Exp: fn('exp'),
  Log: fn('log'),
  Sqrt: fn('sqrt'),
  Reciprocal: (x, { n }) => n.div(n.c(1), x),
  Floor: fn('floor'),
  Ceil: fn('ceil'),
  Round: fn('nearest'),
  Sin: fn('sin'),
  Cos: fn('cos'),
  Tan: fn('tan'),
  Asin: fn('asin'),
  Acos: fn('acos'),
  Atan: fn('atan'),
  Sinh: fn('sinh'),
  Cosh: fn('cosh'),
  Asinh: fn('asinh'),
  Acosh: fn('acosh'),
  Atanh: fn('atanh'),
  Erf: fn('erf'),
  Tanh: fn('tanh'),
  Sigmoid: fn('sigmoid'),
  BitwiseNot: fn('bitnot'),
  Relu: (x, { n, s }) => {
    const v = s.let(x);
    return n.sel(n.lt(v, n.c(0)), n.c(0), v);
  },
  LeakyRelu: (x, e) => {
    const v = e.s.let(x);
    return e.n.sel(e.n.lt(v, e.n.c(0)), e.n.mul(e.n.c(attrNumber(e, 'alpha')), v), v);
  },
  HardSigmoid: (x, e) => {
    const { n } = e;
    const lin = n.add(n.mul(n.c(attrNumber(e, 'alpha')), x), n.c(attrNumber(e, 'beta')));
    return n.max(n.c(0), n.min(n.c(1), lin));
  },
  // x * (1/6) instead of the reference's x / 6: within an ulp, and a multiply in SIMD
  HardSwish: (x, { n, s }) => {
    const v = s.let(x);
    return n.mul(v, n.max(n.c(0), n.min(n.c(1), n.add(n.mul(v, n.c(1 / 6)), n.c(0.5)))));
  },
  Elu: (x, e) => {
    const { n, s } = e;
    const v = s.let(x);
    return n.sel(n.lt(v, n.c(0)), n.mul(n.c(attrNumber(e, 'alpha')), expm1(n, s, v)), v);
  },
  Selu: (x, e) => {
    const { n, s } = e;
    const v = s.let(x);
    const gamma = attrNumber(e, 'gamma');
    const neg = n.mul(n.c(gamma * attrNumber(e, 'alpha')), expm1(n, s, v));
    return n.sel(n.gt(v, n.c(0)), n.mul(n.c(gamma), v), neg);
  },
  Celu: (x, e) => {
    const { n, s } = e;
    const v = s.let(x);
    const alpha = n.c(attrNumber(e, 'alpha'));
    return n.add(n.max(n.c(0), v), n.min(n.c(0), n.mul(alpha, expm1(n, s, n.div(v, alpha)))));
  },
  Gelu: gelu,
  Softplus: (x, { n, s }) => softplus(n, s, x),
  Softsign: (x, { n, s }) => {
    const v = s.let(x);
    return n.div(v, n.add(n.c(1), n.abs(v)));
  },
  Mish: (x, { n, s }) => {
    const v = s.let(x);
    return n.mul(v, n.u('tanh', softplus(n, s, v)));
  },
  ThresholdedRelu: (x, e) => {
    const v = e.s.let(x);
    return e.n.sel(e.n.gt(v, e.n.c(attrNumber(e, 'alpha'))), v, e.n.c(0));
  },
  Swish: (x, e) => {
    const v = e.s.let(x);
    return e.n.mul(v, e.n.u('sigmoid', e.n.mul(e.n.c(attrNumber(e, 'alpha')), v)));
  },
  Shrink: shrink,
  IsNaN: fn('isnan'),
  IsInf: isInf,
  Not: fn('not'),
};

function unaryLowering(op: string, formula: UnaryFormula): MapLowering {
  return (ctx) => {
    const x = inputOf(ctx, 0);
    return {
      op: snake(op),
      suffix: dtypeName(x.dtype),
      operands: [operand(x)],
      out: outputOf(ctx),
      body: (s, [v]) => formula(v!, envOf(ctx, x.dtype, s)),
    };
  };
}

registerMapLowerings(Object.fromEntries(Object.entries(UNARY).map(([op, f]) => [op, unaryLowering(op, f)])));
