import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmCall, Kernel, MatrixRef } from '../../src/backend/kernel/ir.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { build, program } from './wasm-harness.js';

/**
 * The gemm micro-kernels against a float64 reference: odd sizes (edges of every tile), row and column
 * bias, accumulation, clamping, transposed and strided operands, with plain SIMD, relaxed-SIMD FMA
 * and no SIMD at all.
 */

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
  /** C's column stride (1 = row-major). */
  readonly cColStride?: number;
  readonly bias?: 'row' | 'col';
  readonly accumulate?: boolean;
  readonly clamp?: { min: number; max: number };
}

function ref(buffer: string, rows: number, cols: number, trans: boolean, offset = 3): MatrixRef {
  return trans
    ? { buffer, offset, rowStride: 1, colStride: rows }
    : { buffer, offset, rowStride: cols, colStride: 1 };
}

function runCase(c: Case, features: readonly WasmFeature[]): void {
  const { m, n, k } = c;
  const cs = c.cColStride ?? 1;
  const cref: MatrixRef =
    cs === 1
      ? { buffer: 'c', offset: 5, rowStride: n, colStride: 1 }
      : { buffer: 'c', offset: 5, rowStride: 1, colStride: m };
  const call: GemmCall = {
    op: 'gemm',
    m,
    n,
    k,
    a: ref('a', m, k, c.transA ?? false),
    b: ref('b', k, n, c.transB ?? false),
    c: cref,
    accumulate: c.accumulate ?? false,
    ...(c.bias ? { bias: { buffer: 'bias', offset: 2, along: c.bias } } : {}),
    ...(c.clamp ? { clamp: c.clamp } : {}),
  };
  const kernel: Kernel = {
    name: 'gemm_f32',
    node: 'g',
    reads: ['a', 'b', 'bias', 'c'],
    writes: ['c'],
    body: [call],
  };
  const b = build(
    program([kernel], {
      a: { dtype: 'float32', elements: m * k + 3 },
      b: { dtype: 'float32', elements: k * n + 3 },
      bias: { dtype: 'float32', elements: Math.max(m, n) + 2 },
      c: { dtype: 'float32', elements: m * n + 5 },
    }),
    features,
  );
  const A = b.view('a') as Float32Array;
  const B = b.view('b') as Float32Array;
  const bias = b.view('bias') as Float32Array;
  const C = b.view('c') as Float32Array;
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  A.forEach((_, i) => (A[i] = rnd()));
  B.forEach((_, i) => (B[i] = rnd()));
  bias.forEach((_, i) => (bias[i] = rnd()));
  C.forEach((_, i) => (C[i] = rnd()));
  const before = Float32Array.from(C);
  b.run();
  const at = (r: MatrixRef, i: number, j: number): number => r.offset + i * r.rowStride + j * r.colStride;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += A[at(call.a, i, q)]! * B[at(call.b, q, j)]!;
      if (c.accumulate) s += before[at(cref, i, j)]!;
      if (c.bias) s += bias[2 + (c.bias === 'row' ? i : j)]!;
      if (c.clamp) s = Math.min(Math.max(s, c.clamp.min), c.clamp.max);
      const got = C[at(cref, i, j)]!;
      assert.ok(
        Math.abs(got - s) <= 1e-5 * (1 + Math.abs(s)) * Math.sqrt(k + 1),
        `C[${i},${j}] = ${got}, want ${s}`,
      );
    }
  }
  // nothing outside C's elements is written
  for (let i = 0; i < 5; i++) assert.equal(C[i], before[i]);
}

const SHAPES: readonly [number, number, number][] = [
  [1, 1, 1],
  [5, 13, 7],
  [33, 65, 17],
  [4, 8, 0],
  [7, 4, 3],
  [2, 3, 9],
  [1, 100, 33],
  [17, 1, 40],
];
const VARIANTS: readonly (readonly WasmFeature[])[] = [['simd128'], ['simd128', 'relaxed-simd'], []];

for (const features of VARIANTS) {
  const label = features.join('+') || 'scalar';
  for (const [m, n, k] of SHAPES) {
    test(`gemm ${m}x${n}x${k} ${label}`, () => runCase({ m, n, k }, features));
  }
  test(`gemm with column bias, accumulate and clamp ${label}`, () =>
    runCase(
      { m: 33, n: 65, k: 17, bias: 'col', accumulate: true, clamp: { min: -0.5, max: 0.75 } },
      features,
    ));
  test(`gemm with row bias and relu ${label}`, () =>
    runCase({ m: 5, n: 13, k: 7, bias: 'row', clamp: { min: 0, max: Infinity } }, features));
  test(`gemm with transposed B (dot products) ${label}`, () => {
    runCase({ m: 5, n: 13, k: 7, transB: true, bias: 'col' }, features);
    runCase({ m: 33, n: 3, k: 65, transB: true, accumulate: true }, features);
    runCase({ m: 1, n: 1, k: 1, transB: true }, features);
  });
  test(`gemm with transposed A and column-major C ${label}`, () => {
    runCase({ m: 9, n: 12, k: 5, transA: true, cColStride: 9 }, features);
    runCase(
      { m: 6, n: 10, k: 11, transA: true, transB: true, cColStride: 6, accumulate: true, bias: 'row' },
      features,
    );
  });
}
