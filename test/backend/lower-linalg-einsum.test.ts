import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue } from '../../src/ir/graph.js';
import { rand, t } from '../helpers/op-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/** Einsum lowerings: GEMM contractions with transposes, diagonals, reductions, broadcasts, chains. */
const str = (value: string): AttrValue => ({ kind: 'string', value });

const cases: [string, number[][]][] = [
  [
    'ij,jk->ik',
    [
      [3, 4],
      [4, 5],
    ],
  ],
  [
    'ij,kj->ik',
    [
      [3, 4],
      [5, 4],
    ],
  ],
  [
    'ji,jk->ki',
    [
      [4, 3],
      [4, 5],
    ],
  ],
  [
    'bij,bjk->bik',
    [
      [2, 3, 4],
      [2, 4, 5],
    ],
  ],
  [
    'bhqd,bhkd->bhqk',
    [
      [2, 3, 4, 5],
      [2, 3, 6, 5],
    ],
  ],
  [
    'bqhd,bkhd->bhqk',
    [
      [2, 4, 3, 5],
      [2, 6, 3, 5],
    ],
  ],
  [
    'ij,ij->',
    [
      [3, 4],
      [3, 4],
    ],
  ],
  [
    'ij,ij->ij',
    [
      [3, 4],
      [3, 4],
    ],
  ],
  ['i,j->ij', [[3], [4]]],
  [
    'ij,jk->k',
    [
      [3, 4],
      [4, 5],
    ],
  ],
  ['ijk,k->ij', [[2, 3, 4], [4]]],
  ['ii->i', [[4, 4]]],
  ['ii', [[4, 4]]],
  ['ij->ji', [[3, 5]]],
  ['ijk->', [[2, 3, 4]]],
  ['ijk->ki', [[2, 3, 4]]],
  [
    '...ij,...jk->...ik',
    [
      [2, 1, 3, 4],
      [3, 4, 2],
    ],
  ],
  [
    'i...,i...->...',
    [
      [3, 2, 2],
      [3, 1, 2],
    ],
  ],
  [
    'ij,jk,kl->il',
    [
      [2, 3],
      [3, 4],
      [4, 5],
    ],
  ],
  [
    'ab,bc,cd,de->ae',
    [
      [2, 3],
      [3, 2],
      [2, 4],
      [4, 3],
    ],
  ],
  [
    'iij,jk->ik',
    [
      [3, 3, 4],
      [4, 2],
    ],
  ],
  [
    'bn,anm,bm->ba',
    [
      [2, 3],
      [4, 3, 5],
      [2, 5],
    ],
  ],
  [
    'ij,jk',
    [
      [3, 4],
      [4, 5],
    ],
  ],
];

for (const [eq, shapes] of cases) {
  for (const dtype of ['float32', 'float16', 'float64', 'int32', 'int64'] as DType[]) {
    test(`Einsum '${eq}' ${dtype}`, () => {
      const value = (shape: number[], seed: number) =>
        dtype.startsWith('float')
          ? rand(shape, seed, dtype)
          : t(
              dtype,
              shape,
              Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7 + seed) % 11) - 5),
            );
      checkLinalg(
        'Einsum',
        shapes.map((s, i) => ({ name: `x${i}`, value: value(s, i + 1), constant: i === 1 })),
        { equation: str(eq) },
        { tolerance: dtype === 'float16' ? { atol: 2e-2, rtol: 2e-2 } : { atol: 1e-5, rtol: 1e-5 } },
      );
    });
  }
}
