import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binary, contiguous, load, loopNest, store, strided } from '../../src/backend/kernel/build.js';
import type { Kernel } from '../../src/backend/kernel/ir.js';
import { build, program } from './wasm-harness.js';

function addBroadcast(rows: number, cols: number, vectorize: boolean): Kernel {
  return {
    name: 'add_f32_broadcast',
    node: 'add0',
    reads: ['a', 'b'],
    writes: ['c'],
    body: loopNest(
      'i',
      [rows, cols],
      ([i, j]) => [
        store(
          'c',
          'float32',
          contiguous([i!, j!], [rows, cols]),
          binary(
            'add',
            'f32',
            load('a', 'float32', contiguous([i!, j!], [rows, cols])),
            load('b', 'float32', strided([i!, j!], [0, 1])),
          ),
        ),
      ],
      { vectorize, parallel: true },
    ),
  };
}

for (const [rows, cols] of [
  [3, 7],
  [1, 1],
  [2, 8],
  [5, 13],
  [1, 4],
  [4, 3],
] as const) {
  for (const vectorize of [true, false]) {
    test(`add with broadcasting ${rows}x${cols} ${vectorize ? 'vectorized' : 'scalar'}`, () => {
      const b = build(
        program([addBroadcast(rows, cols, vectorize)], {
          a: { dtype: 'float32', elements: rows * cols },
          b: { dtype: 'float32', elements: cols },
          c: { dtype: 'float32', elements: rows * cols },
        }),
      );
      const a = b.view('a') as Float32Array;
      const bb = b.view('b') as Float32Array;
      a.forEach((_, i) => (a[i] = i * 0.5 - 3));
      bb.forEach((_, i) => (bb[i] = 100 + i));
      b.run();
      const c = b.view('c') as Float32Array;
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++)
          assert.equal(c[i * cols + j], a[i * cols + j]! + bb[j]!, `c[${i},${j}]`);
    });
  }
}
