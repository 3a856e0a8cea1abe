import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byteSize, DTYPES, isFloat, type DType } from '../../src/ir/dtype.js';
import { codeOfDType } from '../../src/ops/support/dtype-codes.js';
import { t } from '../helpers/op-harness.js';
import { check, input, int, sample, SHAPES } from './lower-elementwise-support.js';

/**
 * Cast, CastLike and BitCast, exact against src/ops/elementwise/convert.ts for every dtype pair: NaN
 * and out-of-range floats into integers (INT_MIN, not saturation), integer wraparound, one rounding
 * into halves even from float64 and int32 (ties placed on purpose), signed zeros, subnormals.
 */

/** Float sources: ordinary values, huge ones (beyond every integer range) and tiny ones (half subnormals). */
function sources(dtype: DType, seed: number): ReturnType<typeof sample>[] {
  if (!isFloat(dtype)) return [sample(dtype, [1, 3, 5, 4], seed), sample(dtype, [40], seed + 1)];
  return [
    sample(dtype, [1, 3, 5, 4], seed),
    sample(dtype, [40], seed + 1, { scale: 300 }),
    sample(dtype, [40], seed + 2, { scale: 1e11 }),
    sample(dtype, [40], seed + 3, { scale: 1e20 }),
    sample(dtype, [40], seed + 4, { scale: 1e-6 }),
    sample(dtype, [40], seed + 5, { scale: 7e4 }),
  ];
}

for (const from of DTYPES) {
  test(`Cast from ${from} to every dtype`, () => {
    for (const to of DTYPES) {
      const attrs = { to: int(codeOfDType(to)) };
      for (const x of sources(from, 5)) check('Cast', [input('x', x)], attrs);
      SHAPES.forEach((shape, k) => check('Cast', [input('x', sample(from, shape, k))], attrs));
    }
  });
}

test('CastLike takes the dtype of its second input and never reads it', () => {
  for (const [from, like] of [
    ['float32', 'int64'],
    ['float64', 'float16'],
    ['int32', 'bfloat16'],
    ['uint8', 'float32'],
    ['float16', 'float16'],
  ] as const) {
    const p = check('CastLike', [
      input('x', sample(from, [1, 3, 5, 4], 3)),
      input('like', sample(like, [2], 4)),
    ]);
    assert.ok(p.kernels.every((k) => !k.reads.includes('in:like')));
  }
});

/** Values exactly on, and a hair off, the midpoints between neighbouring halves. */
test('float64 -> float16/bfloat16 and int32 -> bfloat16 round once (ties to even, nudged ties)', () => {
  const f16Ties = [
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
    2049,
    2051,
    65520,
    65519.99,
    2 ** -25,
    3 * 2 ** -25,
    2 ** -24 * 1.5,
  ];
  const nudged = f16Ties.flatMap((v) => [v, v + v * 2 ** -40, v - v * 2 ** -40, -v]);
  check('Cast', [input('x', t('float64', [nudged.length], nudged))], { to: int(codeOfDType('float16')) });
  const bfTies = [
    1 + 2 ** -8,
    1 + 3 * 2 ** -8,
    2 ** 100 * (1 + 2 ** -8),
    2 ** -130,
    3 * 2 ** -134,
    3.3895313892515355e38,
  ];
  const bfNudged = bfTies.flatMap((v) => [v, v * (1 + 2 ** -40), v * (1 - 2 ** -40), -v]);
  check('Cast', [input('x', t('float64', [bfNudged.length], bfNudged))], {
    to: int(codeOfDType('bfloat16')),
  });
  const intTies = [
    257,
    259,
    16777217,
    2 ** 24 + 2 ** 16,
    2 ** 24 + 2 ** 16 + 1,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 30 + 2 ** 22,
  ];
  const ints = intTies.flatMap((v) => [v, -v - 1]).map((v) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v)));
  check('Cast', [input('x', t('int32', [ints.length], ints))], { to: int(codeOfDType('bfloat16')) });
  const uints = intTies.map((v) => Math.abs(v) * 2 - 1).filter((v) => v < 2 ** 32);
  check('Cast', [input('x', t('uint32', [uints.length], uints))], { to: int(codeOfDType('bfloat16')) });
});

test('int64/uint64 -> bfloat16 round once above 2^53 (ties, and ties broken by low bits)', () => {
  const big = [
    2n ** 60n + 2n ** 52n,
    2n ** 60n + 3n * 2n ** 52n,
    2n ** 62n + 2n ** 54n + 1n,
    2n ** 56n + 2n ** 48n,
  ];
  const values = big.flatMap((v) => [v, v + 1n, v - 1n, v + 2n ** 43n, -v, -v - 1n]);
  values.push(2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 255n, -257n, 0n);
  check('Cast', [input('x', t('int64', [values.length], values))], { to: int(codeOfDType('bfloat16')) });
  const unsigned = [
    ...big.flatMap((v) => [v, v + 1n, 2n * v + 1n, 2n * v]),
    2n ** 64n - 1n,
    2n ** 63n + 2n ** 55n,
  ];
  check('Cast', [input('x', t('uint64', [unsigned.length], unsigned))], { to: int(codeOfDType('bfloat16')) });
});

test('BitCast between same-width dtypes keeps the bits, float <-> integer included', () => {
  for (const from of DTYPES) {
    for (const to of DTYPES) {
      if (byteSize(from) !== byteSize(to) || from === to) continue;
      // NaN payloads are bits too: the sample includes them for float sources
      check('BitCast', [input('x', sample(from, [1, 3, 5, 4], 9))], { to: int(codeOfDType(to)) });
    }
  }
});

test('an empty cast lowers to no kernels', () => {
  const p = check('Cast', [input('x', sample('float32', [0, 3], 1))], { to: int(codeOfDType('int8')) });
  assert.equal(p.kernels.length, 0);
});
