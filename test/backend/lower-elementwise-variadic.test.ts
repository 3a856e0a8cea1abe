import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import { ALL, FLOATS, NUMERIC } from '../../src/ops/elementwise/types.js';
import { t } from '../helpers/op-harness.js';
import { check, input, PAIRS, sample } from './lower-elementwise-support.js';

/** Sum/Mean/Max/Min over 1..4 broadcasting inputs, Where, and Clip with every form of its bounds. */
const GROUPS: readonly (readonly (readonly number[])[])[] = [
  [[7]],
  [[1, 3, 5, 4]],
  [[]],
  ...PAIRS.map(([a, b]) => [a, b]),
  [[7], [7], [7]],
  [[1, 3, 5, 4], [4], []],
  [
    [3, 1, 1],
    [1, 5, 1],
    [1, 1, 4],
  ],
  [[1, 3, 5, 4], [1, 3, 1, 4], [5, 1], [1]],
  [[0, 3], [3], [1]],
];

const VARIADIC: readonly (readonly [string, readonly DType[]])[] = [
  ['Sum', NUMERIC],
  ['Mean', FLOATS],
  ['Max', NUMERIC],
  ['Min', NUMERIC],
];

for (const [op, dtypes] of VARIADIC) {
  test(`${op} of 1 to 4 broadcasting inputs on ${dtypes.join(', ')}`, () => {
    for (const dtype of dtypes) {
      GROUPS.forEach((shapes, g) => {
        const xs = shapes.map((s, i) => input(`x${i}`, sample(dtype, s, 100 + 7 * g + i), i === 2));
        // the reference rounds halves after every pairwise step (half an ulp of partial sums up to
        // ~12 each time), the kernel once at the end
        const halfTol = dtype === 'float16' ? { atol: 2e-2, rtol: 1e-3 } : { atol: 0.15, rtol: 8e-3 };
        const tol = shapes.length > 2 && (dtype === 'float16' || dtype === 'bfloat16') ? halfTol : 'exact';
        check(op, xs, {}, tol);
      });
    }
  });
}

test('one input is a view of it: no kernel, bits kept (NaN payloads of halves included)', () => {
  const nanBits = t('float16', [4], [1, 2, 3, 4]);
  (nanBits.data as Uint16Array).set([0x7c01, 0xfe00, 0x3c00, 0x8000]);
  for (const op of ['Sum', 'Max', 'Min', 'Mean']) {
    const p = check(op, [input('x', nanBits)]);
    assert.equal(p.kernels.length, 0);
  }
});

test('Where over every broadcasting form and dtype', () => {
  for (const dtype of ALL) {
    PAIRS.forEach(([a, b], k) => {
      const c = sample('bool', k % 2 ? a : b, 5 + k);
      check('Where', [
        input('c', c),
        input('x', sample(dtype, a, 7 + k)),
        input('y', sample(dtype, b, 9 + k)),
      ]);
      check('Where', [
        input('c', c, true),
        input('x', sample(dtype, b, 3)),
        input('y', sample(dtype, [], 4), true),
      ]);
    });
  }
});

test('Clip with no, one or both bounds, runtime or constant, min > max', () => {
  for (const dtype of NUMERIC) {
    const x = sample(dtype, [1, 3, 5, 4], 1);
    const isInt = !dtype.includes('float');
    const lo = sample(dtype, [], 2, { specials: false, range: isInt ? [-20, 10] : undefined, scale: 1 });
    const hi = sample(dtype, [1], 3, { specials: false, range: isInt ? [11, 50] : undefined, scale: 1 });
    for (const constant of [false, true]) {
      check('Clip', [input('x', x)]);
      check('Clip', [input('x', x), input('lo', lo, constant)]);
      check('Clip', [input('x', x), undefined, input('hi', hi, constant)]);
      check('Clip', [input('x', x), input('lo', lo, constant), input('hi', hi, constant)]);
      check('Clip', [input('x', x), input('lo', hi, constant), input('hi', lo, !constant)]);
    }
    check('Clip', [input('x', sample(dtype, [0, 2], 1)), input('lo', lo)]);
    check('Clip', [input('x', sample(dtype, [], 1)), input('lo', lo), input('hi', hi)]);
  }
});

test('Clip of a float x with bounds of another float dtype (opset < 11 attributes) and NaN bounds', () => {
  const bound = (dtype: DType, v: number) => t(dtype, [], [v]);
  for (const dtype of FLOATS) {
    const x = sample(dtype, [1, 3, 5, 4], 4, { scale: 2 });
    for (const constant of [false, true]) {
      check('Clip', [
        input('x', x),
        input('lo', bound('float32', -0.1), constant),
        input('hi', bound('float64', 0.3), constant),
      ]);
      check('Clip', [
        input('x', x),
        input('lo', bound('float16', NaN), constant),
        input('hi', bound('float32', NaN), constant),
      ]);
    }
  }
});
