import { isBigInt, isFloat } from '../../ir/dtype.js';
import { reshapeTensor, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { input } from '../support/infer.js';
import { defineOp } from '../op.js';
import { binary } from './apply.js';
import { convertTensor } from './convert.js';
import { binaryOp } from './define.js';
import { broadcastTypes, checkDtype, LEGACY_AXIS, legacyAlign, NUMERIC, required } from './types.js';

/** Integer x^y with the dtype's wraparound: low 32 bits by squaring, which every narrower type shares. */
function intPow(x: number, y: number): number {
  if (y < 0) return x === 1 ? 1 : x === -1 ? (y % 2 === 0 ? 1 : -1) : 0; // trunc(x^y) for |x| >= 2
  let r = 1;
  let b = x;
  for (let e = y; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
  }
  return r;
}

function bigPow(x: bigint, y: bigint): bigint {
  if (y < 0n) return x === 1n ? 1n : x === -1n ? (y % 2n === 0n ? 1n : -1n) : 0n;
  let r = 1n;
  let b = x;
  for (let e = y; e > 0n; e >>= 1n) {
    if (e & 1n) r = BigInt.asIntN(64, r * b);
    b = BigInt.asIntN(64, b * b);
  }
  return r;
}

/** Floored modulo (Python, numpy.mod): the result takes the divisor's sign. Zero divisors give 0 for integers. */
function floorMod(x: number, y: number): number {
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r;
}

function bigFloorMod(x: bigint, y: bigint): bigint {
  if (y === 0n) return 0n;
  const r = x % y;
  return r !== 0n && r < 0n !== y < 0n ? r + y : r;
}

/**
 * Pow-15: base T, exponent T1 of any numeric type; the output is T. Float bases compute in floats;
 * integer bases with integer exponents are exact (wrapping); integer bases with float exponents
 * compute in float64 and convert back like Cast.
 */
function pow(base: Tensor, exponent: Tensor): Tensor {
  const k = { num: Math.pow, int: intPow, big: bigPow };
  if (isFloat(base.dtype)) return binary('Pow', base, exponent, base.dtype, k);
  if (isFloat(exponent.dtype)) {
    const y = binary('Pow', convertTensor(base, 'float64'), exponent, 'float64', k);
    return convertTensor(y, base.dtype);
  }
  if (isBigInt(base.dtype)) return binary('Pow', base, convertTensor(exponent, base.dtype), base.dtype, k);
  const e = isBigInt(exponent.dtype) ? convertTensor(exponent, 'float64') : exponent;
  return binary('Pow', base, e, base.dtype, k);
}

const POW_BASE = ['float32', 'float16', 'bfloat16', 'float64', 'int32', 'int64'] as const;

export const arithOps = [
  binaryOp('Add', NUMERIC, {}, () => ({ num: (x, y) => x + y, big: (x, y) => x + y })),
  binaryOp('Sub', NUMERIC, {}, () => ({ num: (x, y) => x - y, big: (x, y) => x - y })),
  // int32 products exceed 2^53 before they wrap: Math.imul keeps the exact low 32 bits
  binaryOp('Mul', NUMERIC, {}, () => ({ num: (x, y) => x * y, int: Math.imul, big: (x, y) => x * y })),
  // integer division truncates toward zero; division by zero gives 0 as numpy does
  binaryOp('Div', NUMERIC, {}, () => ({
    num: (x, y) => x / y,
    int: (x, y) => (y === 0 ? 0 : Math.trunc(x / y)),
    big: (x, y) => (y === 0n ? 0n : x / y),
  })),
  // fmod=1 is C fmod (sign of the dividend), fmod=0 is floored (sign of the divisor)
  binaryOp('Mod', NUMERIC, { fmod: attr.int(0) }, ({ fmod }) =>
    fmod
      ? { num: (x, y) => x % y, big: (x, y) => (y === 0n ? 0n : x % y) }
      : { num: floorMod, big: bigFloorMod },
  ),
  defineOp({
    type: 'Pow',
    attrs: { legacy_axis: LEGACY_AXIS },
    arity: { inputs: [2, 2], outputs: [1, 1] },
    infer(ctx) {
      const base = input(ctx, 0);
      const exponent = input(ctx, 1);
      checkDtype('Pow', base.dtype, POW_BASE);
      checkDtype('Pow', exponent.dtype, NUMERIC, 'exponent');
      const eShape =
        base.shape && exponent.shape
          ? legacyAlign(base.shape, exponent.shape, ctx.attrs.legacy_axis)
          : exponent.shape;
      return [{ dtype: base.dtype, shape: broadcastTypes([base, { dtype: exponent.dtype, shape: eShape }]) }];
    },
    reference(inputs, a) {
      const base = required(inputs, 0, 'Pow');
      const given = required(inputs, 1, 'Pow');
      const exponent = reshapeTensor(given, legacyAlign(base.shape, given.shape, a.legacy_axis));
      checkDtype('Pow', base.dtype, POW_BASE);
      checkDtype('Pow', exponent.dtype, NUMERIC, 'exponent');
      return [pow(base, exponent)];
    },
  }),
];
