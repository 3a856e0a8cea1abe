import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue } from '../../src/ir/graph.js';
import { rand, t } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/** Gemm lowerings: transposes, alpha/beta folding, every shape of C, constant and runtime operands. */
const tol = { atol: 1e-5, rtol: 1e-5 };
const int = (value: number): AttrValue => ({ kind: 'int', value });
const float = (value: number): AttrValue => ({ kind: 'float', value });
const M = 5;
const N = 7;
const K = 3;

const cShapes: (number[] | undefined)[] = [undefined, [], [1], [N], [1, N], [M, 1], [M, N], [1, 1]];
const configs = [
  { alpha: 1, beta: 1 },
  { alpha: 0.5, beta: 1 },
  { alpha: 1, beta: 2 },
  { alpha: -1.5, beta: 0.25 },
  { alpha: 2, beta: 0 },
];

for (const transA of [0, 1]) {
  for (const transB of [0, 1]) {
    for (const cfg of configs) {
      for (const cShape of cShapes) {
        for (const consts of ['none', 'B', 'A', 'AB', 'BC', 'C']) {
          test(`Gemm tA=${transA} tB=${transB} a=${cfg.alpha} b=${cfg.beta} C=[${cShape ?? '-'}] const=${consts}`, () => {
            const as = transA ? [K, M] : [M, K];
            const bs = transB ? [N, K] : [K, N];
            checkLinalg(
              'Gemm',
              [
                { name: 'a', value: rand(as, 1), constant: consts.includes('A') },
                { name: 'b', value: rand(bs, 2), constant: consts.includes('B') },
                cShape && { name: 'c', value: rand(cShape, 3), constant: consts.includes('C') },
              ],
              { transA: int(transA), transB: int(transB), alpha: float(cfg.alpha), beta: float(cfg.beta) },
              { tolerance: tol },
            );
          });
        }
      }
    }
  }
}

const dtypes: DType[] = ['float16', 'bfloat16', 'float64', 'int32', 'int64', 'uint32', 'uint64'];
for (const dtype of dtypes) {
  for (const [alpha, beta] of [
    [1, 1],
    [2, 3],
  ] as const) {
    for (const transB of [0, 1]) {
      test(`Gemm ${dtype} alpha=${alpha} beta=${beta} transB=${transB}`, () => {
        const gen = (shape: number[], seed: number) =>
          dtype.includes('float')
            ? rand(shape, seed, dtype)
            : t(
                dtype,
                shape,
                Array.from({ length: shape.reduce((x, y) => x * y, 1) }, (_, i) => (i * 7 + seed) % 13),
              );
        checkLinalg(
          'Gemm',
          [
            { name: 'a', value: gen([M, K], 1) },
            { name: 'b', value: gen(transB ? [N, K] : [K, N], 2), constant: transB === 1 },
            { name: 'c', value: gen([N], 3) },
          ],
          { alpha: float(alpha), beta: float(beta), transB: int(transB) },
          { tolerance: dtype === 'float16' || dtype === 'bfloat16' ? { atol: 2e-2, rtol: 1e-2 } : tol },
        );
      });
    }
  }
}
