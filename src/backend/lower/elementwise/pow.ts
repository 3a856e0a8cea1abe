import { isBigInt, isFloat, type DType } from '../../../ir/dtype.js';
import { getNumber } from '../../../ir/tensor.js';
import { computeType, isUnsignedDType } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { LoweringUnsupported } from '../lowering.js';
import { alignedSecond } from './binary.js';
import { inputOf, operandOf, outputOf } from './common.js';
import { castExpr } from './convert.js';
import { operand, type Operand } from './map.js';
import { registerMapLowerings, type MapLowering } from './map-registry.js';
import { intPow } from './math.js';
import { dtypeName } from './names.js';
import { constantElement, isUniform, Num, to, type Scope } from './scalar.js';

/**
 * Pow-15: base T (floats, int32, int64), exponent of any numeric dtype, output T, as
 * src/ops/elementwise/arith.ts computes it:
 * - float base: in f32 when both sides are exact there (one rounding, like the reference's f64 pow
 *   rounded once); otherwise in f64 and rounded once to f32 (the reference's rounding exactly);
 * - integer base, float exponent: in f64, then converted back like Cast;
 * - integer base and exponent: exact with wraparound (int32 base with a 64-bit exponent in i64,
 *   whose low 32 bits are the int32 result).
 * A uniform constant exponent (Pow(x, 2) of LayerNorm decompositions, 0.5, 3) becomes an immediate,
 * in the base's compute type when exact there, which the renderer specializes (x*x, sqrt...).
 */
type Formula = (s: Scope, x: Expr, y: Expr) => Expr;

const F32_EXACT: readonly DType[] = ['float32', 'float16', 'bfloat16'];

function floatPow(base: DType, exponent: DType): Formula {
  const unsigned = isUnsignedDType(exponent);
  if (base === 'float64' || F32_EXACT.includes(exponent)) {
    const n = new Num(computeType(base));
    return (_s, x, y) => n.pow(x, to(y, n.t, unsigned));
  }
  const n = new Num('f64');
  return (_s, x, y) => to(n.pow(to(x, 'f64'), to(y, 'f64', unsigned)), 'f32');
}

function intBasePow(base: DType, exponent: DType): Formula {
  const unsigned = isUnsignedDType(exponent);
  if (isFloat(exponent)) {
    const n = new Num('f64');
    return (s, x, y) => castExpr(s, n.pow(to(x, 'f64'), to(y, 'f64')), 'float64', base);
  }
  if (base === 'int32' && exponent === 'uint64') {
    throw new LoweringUnsupported('Pow of an int32 base with a uint64 exponent is not lowered');
  }
  // 64-bit exponents, and uint32 ones above 2^31, need i64; x^y mod 2^64 keeps x^y mod 2^32
  const wide = isBigInt(base) || isBigInt(exponent) || exponent === 'uint32';
  const n = new Num(wide ? 'i64' : 'i32');
  return (s, x, y) => to(intPow(n, s, to(x, n.t), to(y, n.t, unsigned)), computeType(base));
}

const pow: MapLowering = (ctx) => {
  const base = inputOf(ctx, 0);
  const exponent = inputOf(ctx, 1);
  const out = outputOf(ctx);
  const name = { op: 'pow', suffix: `${dtypeName(base.dtype)}_${dtypeName(exponent.dtype)}`, out };
  const uniform = exponent.constant && isUniform(exponent.constant) ? exponent.constant : undefined;
  if (uniform && isFloat(base.dtype)) {
    const n = new Num(computeType(base.dtype));
    const k = getNumber(uniform, 0);
    if (n.t === 'f64' || Math.fround(k) === k || Number.isNaN(k)) {
      return { ...name, operands: [operand(base)], body: (_s, [x]) => n.pow(x!, n.c(k)) };
    }
  }
  const formula = isFloat(base.dtype)
    ? floatPow(base.dtype, exponent.dtype)
    : intBasePow(base.dtype, exponent.dtype);
  const y: Operand = uniform ? { value: constantElement(uniform) } : operandOf(exponent, alignedSecond(ctx));
  return { ...name, operands: [operand(base), y], body: (s, [x, v]) => formula(s, x!, v!) };
};

registerMapLowerings({ Pow: pow });
