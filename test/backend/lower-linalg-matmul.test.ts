import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import { rand, t } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/** MatMul lowerings against the reference: GEMM path, stacked batches, loop nests per dtype. */
const tol = { atol: 1e-5, rtol: 1e-5 };

/** Integers spread enough that int8/uint8 products overflow and wrap. */
function intRand(shape: readonly number[], seed: number, dtype: DType) {
  const n = shape.reduce((a, b) => a * b, 1);
  const lo = dtype.startsWith('u') ? 0 : -100;
  return t(
    dtype,
    shape,
    Array.from({ length: n }, (_, i) => lo + ((i * 37 + seed * 11) % 200)),
  );
}

const shapes: [number[], number[]][] = [
  [
    [3, 5],
    [5, 7],
  ],
  [
    [1, 1],
    [1, 1],
  ],
  [[5], [5, 3]],
  [[4, 5], [5]],
  [[5], [5]],
  [
    [2, 3, 4],
    [4, 5],
  ],
  [
    [2, 3, 4],
    [2, 4, 5],
  ],
  [
    [4, 5],
    [3, 5, 2],
  ],
  [
    [2, 1, 3, 4],
    [1, 3, 4, 2],
  ],
  [
    [3, 1, 2, 4],
    [5, 4, 3],
  ],
  [
    [7, 0],
    [0, 3],
  ],
  [[2, 3, 4], [4]],
  [[4], [2, 4, 3]],
];

for (const [as, bs] of shapes) {
  for (const constB of [false, true]) {
    test(`MatMul f32 [${as}] x [${bs}]${constB ? ' const B' : ''}`, () => {
      checkLinalg(
        'MatMul',
        [
          { name: 'a', value: rand(as, 1) },
          { name: 'b', value: rand(bs, 2), constant: constB },
        ],
        {},
        { tolerance: tol },
      );
    });
  }
}

const dtypes: DType[] = [
  'float64',
  'float16',
  'bfloat16',
  'int32',
  'int64',
  'uint8',
  'int8',
  'uint32',
  'uint64',
];
for (const dtype of dtypes) {
  for (const [as, bs] of [shapes[0]!, shapes[6]!, shapes[9]!, shapes[3]!]) {
    test(`MatMul ${dtype} [${as}] x [${bs}]`, () => {
      const gen = (shape: number[], seed: number) =>
        dtype.startsWith('float') || dtype === 'bfloat16'
          ? rand(shape, seed, dtype)
          : intRand(shape, seed, dtype);
      checkLinalg(
        'MatMul',
        [
          { name: 'a', value: gen(as, 3) },
          { name: 'b', value: gen(bs, 4) },
        ],
        {},
        { tolerance: dtype === 'float16' || dtype === 'bfloat16' ? { atol: 1e-2, rtol: 1e-2 } : tol },
      );
    });
  }
}

test('MatMul with many small batches runs as a loop nest', () => {
  checkLinalg('MatMul', [
    { name: 'a', value: rand([300, 2, 3], 5) },
    { name: 'b', value: rand([300, 3, 2], 6) },
  ]);
  checkLinalg(
    'MatMul',
    [
      { name: 'a', value: rand([300, 2, 3], 5, 'float16') },
      { name: 'b', value: rand([300, 3, 2], 6, 'float16') },
    ],
    {},
    { tolerance: { atol: 1e-2, rtol: 1e-2 } },
  );
});
