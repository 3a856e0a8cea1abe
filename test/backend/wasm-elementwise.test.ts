import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binary,
  contiguous,
  convert,
  load,
  loopNest,
  store,
  strided,
} from '../../src/backend/kernel/build.js';
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

test('loop-invariant operands are refreshed for every iteration of the enclosing loop', () => {
  const [channels, n] = [5, 10];
  const kernel: Kernel = {
    name: 'scale_shift_per_channel',
    node: 'n',
    reads: ['x', 'w', 'b'],
    writes: ['y'],
    body: loopNest(
      'i',
      [channels, n],
      ([c, i]) => [
        store(
          'y',
          'float32',
          contiguous([c!, i!], [channels, n]),
          binary(
            'add',
            'f32',
            binary(
              'mul',
              'f32',
              load('w', 'float32', strided([c!, i!], [1, 0])),
              load('x', 'float32', contiguous([c!, i!], [channels, n])),
            ),
            load('b', 'float32', strided([c!, i!], [1, 0])),
          ),
        ),
      ],
      { vectorize: true },
    ),
  };
  const b = build(
    program([kernel], {
      x: { dtype: 'float32', elements: channels * n },
      w: { dtype: 'float32', elements: channels },
      b: { dtype: 'float32', elements: channels },
      y: { dtype: 'float32', elements: channels * n },
    }),
  );
  const x = b.view('x') as Float32Array;
  x.forEach((_, i) => (x[i] = i));
  (b.view('w') as Float32Array).set([1, 2, 3, 4, 5]);
  (b.view('b') as Float32Array).set([0.5, -0.5, 10, 20, 30]);
  b.run();
  const y = b.view('y') as Float32Array;
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < n; i++)
      assert.equal(y[c * n + i], (c + 1) * (c * n + i) + [0.5, -0.5, 10, 20, 30][c]!);
});

for (const [rows, cols] of [
  [3, 5],
  [8, 4],
  [6, 9],
] as const) {
  test(`strided loads and stores gather and scatter lanes: transpose ${rows}x${cols}`, () => {
    const kernel: Kernel = {
      name: 'transpose_f32',
      node: 'n',
      reads: ['a'],
      writes: ['t', 's'],
      body: loopNest(
        'i',
        [rows, cols],
        ([i, j]) => [
          // t[j, i] = a[i, j] (strided store), s[i, j] = a[j', i'] read across rows (strided load)
          store(
            't',
            'float32',
            strided([i!, j!], [1, rows]),
            load('a', 'float32', contiguous([i!, j!], [rows, cols])),
          ),
          store(
            's',
            'int32',
            contiguous([i!, j!], [rows, cols]),
            convert('f32', 'i32', load('a', 'float32', strided([i!, j!], [1, rows], 0))),
          ),
        ],
        { vectorize: true },
      ),
    };
    const b = build(
      program([kernel], {
        a: { dtype: 'float32', elements: rows * cols },
        t: { dtype: 'float32', elements: rows * cols },
        s: { dtype: 'int32', elements: rows * cols },
      }),
    );
    const a = b.view('a') as Float32Array;
    a.forEach((_, i) => (a[i] = i * 3 + 1));
    b.run();
    const t = b.view('t') as Float32Array;
    const s = b.view('s') as Int32Array;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        assert.equal(t[j * rows + i], a[i * cols + j]);
        assert.equal(s[i * cols + j], a[i + j * rows]);
      }
    }
  });
}
