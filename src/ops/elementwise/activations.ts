import { attr } from '../attributes.js';
import type { UnaryKernel } from './apply.js';
import { unaryOp } from './define.js';
import { erf } from './erf.js';
import { FLOATS, NUMERIC, SIGNED } from './types.js';

/** 1 / (1 + e^-x) without overflowing e^-x for large negative x. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x), exact for large |x| where e^x overflows or 1 + e^x rounds to 1. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const float = (f: (x: number) => number): UnaryKernel => ({ num: f });

export const activationOps = [
  // Relu accepts signed integers too (opset 14); NaN passes through as numpy.maximum(x, 0) keeps it
  unaryOp('Relu', SIGNED, {}, () => ({ num: (x) => (x < 0 ? 0 : x), big: (v) => (v < 0n ? 0n : v) })),
  unaryOp('LeakyRelu', FLOATS, { alpha: attr.float(0.01) }, ({ alpha }) =>
    float((x) => (x < 0 ? alpha * x : x)),
  ),
  unaryOp('Sigmoid', FLOATS, {}, () => float(sigmoid)),
  unaryOp('HardSigmoid', FLOATS, { alpha: attr.float(0.2), beta: attr.float(0.5) }, ({ alpha, beta }) =>
    float((x) => Math.max(0, Math.min(1, alpha * x + beta))),
  ),
  unaryOp('HardSwish', FLOATS, {}, () => float((x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)))),
  unaryOp('Tanh', FLOATS, {}, () => float(Math.tanh)),
  unaryOp('Elu', FLOATS, { alpha: attr.float(1) }, ({ alpha }) =>
    float((x) => (x < 0 ? alpha * Math.expm1(x) : x)),
  ),
  unaryOp(
    'Selu',
    FLOATS,
    { alpha: attr.float(1.67326319217681884765625), gamma: attr.float(1.05070102214813232421875) },
    ({ alpha, gamma }) => float((x) => (x > 0 ? gamma * x : gamma * alpha * Math.expm1(x))),
  ),
  unaryOp('Celu', FLOATS, { alpha: attr.float(1) }, ({ alpha }) =>
    float((x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha))),
  ),
  unaryOp('Gelu', FLOATS, { approximate: attr.string('none', ['none', 'tanh']) }, ({ approximate }) =>
    approximate === 'tanh'
      ? float((x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))))
      : float((x) => 0.5 * x * (1 + erf(x * SQRT1_2))),
  ),
  unaryOp('Softplus', FLOATS, {}, () => float(softplus)),
  unaryOp('Softsign', FLOATS, {}, () => float((x) => x / (1 + Math.abs(x)))),
  unaryOp('Mish', FLOATS, {}, () => float((x) => x * Math.tanh(softplus(x)))),
  unaryOp('ThresholdedRelu', FLOATS, { alpha: attr.float(1) }, ({ alpha }) =>
    float((x) => (x > alpha ? x : 0)),
  ),
  unaryOp('Swish', FLOATS, { alpha: attr.float(1) }, ({ alpha }) => float((x) => x * sigmoid(alpha * x))),
  // Shrink is defined for every numeric type; integer results are truncated by the store
  unaryOp('Shrink', NUMERIC, { lambd: attr.float(0.5), bias: attr.float(0) }, ({ lambd, bias }) => {
    const shrink = (x: number) => (x < -lambd ? x + bias : x > lambd ? x - bias : 0);
    return { num: shrink, big: (v) => BigInt(Math.trunc(shrink(Number(v)))) };
  }),
];
