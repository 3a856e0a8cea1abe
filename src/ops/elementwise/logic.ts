import { byteSize, type DType } from '../../ir/dtype.js';
import { attr } from '../attributes.js';
import { OpError } from '../op.js';
import type { BinaryKernel } from './apply.js';
import { binaryOp } from './define.js';
import { ALL, BOOL, INTS, NUMERIC, UNSIGNED_INTS } from './types.js';

/** A comparison: numbers and bigints compare alike, and NaN compares false (unequal to itself). */
function compare(
  test: (x: number, y: number) => boolean,
  testBig: (x: bigint, y: bigint) => boolean,
): BinaryKernel {
  return { num: (x, y) => (test(x, y) ? 1 : 0), big: (x, y) => (testBig(x, y) ? 1 : 0) };
}

/**
 * BitShift on unsigned integers. A shift by the bit width or more gives 0 as numpy does (JavaScript
 * shift counts are taken modulo 32, and a bigint shift by a huge count would not finish).
 */
function shift(direction: string | undefined, dtype: DType): BinaryKernel {
  const bits = byteSize(dtype) * 8;
  const wide = BigInt(bits);
  if (direction === 'LEFT') {
    return { num: (x, y) => (y >= bits ? 0 : x << y), big: (x, y) => (y >= wide ? 0n : x << y) };
  }
  if (direction === 'RIGHT') {
    return { num: (x, y) => (y >= bits ? 0 : x >>> y), big: (x, y) => (y >= wide ? 0n : x >> y) };
  }
  throw new OpError(`BitShift direction must be LEFT or RIGHT, found ${direction ?? 'none'}`);
}

export const logicOps = [
  binaryOp(
    'Equal',
    ALL,
    {},
    () =>
      compare(
        (x, y) => x === y,
        (x, y) => x === y,
      ),
    'bool',
  ),
  binaryOp(
    'Greater',
    NUMERIC,
    {},
    () =>
      compare(
        (x, y) => x > y,
        (x, y) => x > y,
      ),
    'bool',
  ),
  binaryOp(
    'GreaterOrEqual',
    NUMERIC,
    {},
    () =>
      compare(
        (x, y) => x >= y,
        (x, y) => x >= y,
      ),
    'bool',
  ),
  binaryOp(
    'Less',
    NUMERIC,
    {},
    () =>
      compare(
        (x, y) => x < y,
        (x, y) => x < y,
      ),
    'bool',
  ),
  binaryOp(
    'LessOrEqual',
    NUMERIC,
    {},
    () =>
      compare(
        (x, y) => x <= y,
        (x, y) => x <= y,
      ),
    'bool',
  ),
  binaryOp('And', BOOL, {}, () => ({ num: (x, y) => x & y })),
  binaryOp('Or', BOOL, {}, () => ({ num: (x, y) => x | y })),
  binaryOp('Xor', BOOL, {}, () => ({ num: (x, y) => x ^ y })),
  binaryOp('BitwiseAnd', INTS, {}, () => ({ num: (x, y) => x & y, big: (x, y) => x & y })),
  binaryOp('BitwiseOr', INTS, {}, () => ({ num: (x, y) => x | y, big: (x, y) => x | y })),
  binaryOp('BitwiseXor', INTS, {}, () => ({ num: (x, y) => x ^ y, big: (x, y) => x ^ y })),
  binaryOp('BitShift', UNSIGNED_INTS, { direction: attr.string() }, ({ direction }, dtype) =>
    shift(direction, dtype),
  ),
];
