import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elementOf, spanOf } from '../../src/backend/kernel/gemm-call.js';
import type { MatrixRef } from '../../src/backend/kernel/ir.js';
import { chooseTile, registersOf } from '../../src/backend/lower/linalg/gemm-tile.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { checkGemms, type Shape } from './gemm-tester.js';

/**
 * Register tiles MR x NR and panel-packed operands: A in row panels (the tile's MR), B in column
 * panels (its NR), each with a zero-padded last panel, over sizes that are not multiples of the tiles;
 * the scalar path must read the same layouts.
 */
const SHAPES: readonly Shape[] = [
  [1, 1, 1],
  [1, 45, 19],
  [5, 13, 7],
  [7, 37, 3],
  [13, 66, 9],
  [6, 8, 0],
];
const FEATURES: readonly (readonly WasmFeature[])[] = [['simd128', 'relaxed-simd'], ['simd128'], []];

for (const features of FEATURES) {
  const label = features.join('+') || 'scalar';
  test(`gemm tiles MR x NR ${label}`, () => {
    for (const tile of [
      { mr: 1, nr: 32 },
      { mr: 2, nr: 16 },
      { mr: 3, nr: 12 },
      { mr: 5, nr: 8 },
      { mr: 6, nr: 4 },
    ]) {
      checkGemms(SHAPES, { features, tile, bias: 'col' });
    }
  });
  test(`gemm with B in column panels ${label}`, () => {
    for (const packB of [4, 8, 12, 16, 32]) {
      checkGemms(SHAPES, { features, packB, tile: { mr: packB >= 16 ? 2 : 4, nr: 8 } });
      checkGemms(SHAPES, { features, packB, bias: 'col', residual: true, activation: { kind: 'hardswish' } });
    }
  });
  test(`gemm with A in row panels ${label}`, () => {
    for (const packA of [1, 3, 4, 6]) {
      checkGemms(SHAPES, { features, packA, bias: 'row', activation: { kind: 'clamp', min: 0, max: 6 } });
      checkGemms(SHAPES, { features, packA, transB: true, residual: true });
    }
  });
  test(`gemm with both operands packed ${label}`, () => {
    checkGemms(SHAPES, {
      features,
      packA: 4,
      packB: 8,
      bias: 'row',
      residual: true,
      activation: { kind: 'silu' },
    });
    checkGemms(SHAPES, { features, packA: 2, packB: 16, accumulate: true });
  });
  for (const half of ['bfloat16', 'float16'] as const) {
    test(`gemm with 16-bit (${half}) weights in panels ${label}`, () => {
      for (const packB of [4, 8, 12, 32]) {
        const tile = { mr: packB >= 16 ? 1 : 4, nr: packB };
        checkGemms(SHAPES, { features, packB, halfB: half, tile, bias: 'col', activation: { kind: 'silu' } });
        checkGemms(SHAPES, { features, packB, halfB: half, residual: true, accumulate: true });
      }
      for (const packA of [1, 3, 4, 6, 8]) {
        checkGemms(SHAPES, {
          features,
          packA,
          halfA: half,
          bias: 'row',
          activation: { kind: 'clamp', min: 0, max: 6 },
        });
        checkGemms(SHAPES, { features, packA, halfA: half, transB: true, residual: true });
      }
      checkGemms(SHAPES, { features, packA: 4, halfA: half, packB: 8, bias: 'row' });
      // 16-bit activations: unpacked A or B, C and the residual, read and written exactly
      checkGemms(SHAPES, { features, halfA: half, halfC: half, bias: 'col', residual: true });
      checkGemms(SHAPES, {
        features,
        halfB: half,
        halfC: half,
        activation: { kind: 'gelu', approximate: 'none' },
      });
      checkGemms(SHAPES, { features, halfA: half, halfB: half, transB: true });
      // unpacked 16-bit B eight columns at a time, even and odd columns apart (gemm-bf16-pairs.ts):
      // float32 and 16-bit C, bias along columns and rows, residual, clamp, two pairs per tile
      for (const tile of [
        { mr: 4, nr: 8 },
        { mr: 2, nr: 16 },
        { mr: 3, nr: 16 },
      ]) {
        checkGemms(SHAPES, { features, halfB: half, tile, bias: 'col', residual: true });
        checkGemms(SHAPES, {
          features,
          halfB: half,
          halfC: half,
          tile,
          bias: 'row',
          clamp: { min: 0, max: 1 },
        });
        checkGemms(SHAPES, { features, packA: tile.mr, halfA: half, halfB: half, tile, accumulate: true });
      }
      checkGemms(SHAPES, { features, packA: 4, halfA: half, halfB: half, halfC: half, accumulate: true });
      checkGemms(SHAPES, {
        features,
        halfA: half,
        packB: 8,
        halfB: half,
        halfC: half,
        tile: { mr: 1, nr: 32 },
      });
      if (features.length) {
        const threaded = [...features, 'threads'] as const;
        checkGemms(SHAPES, { features: threaded, packA: 4, packB: 8, halfB: half, threads: 3 });
        checkGemms(SHAPES, { features: threaded, packA: 4, halfA: half, packB: 8, threads: 2 });
        checkGemms(SHAPES, { features: threaded, halfA: half, halfC: half, residual: true, threads: 3 });
      }
    });
  }
}

test('the tile cost model: a GEMV takes a one-row tile, every choice fits the register budget', () => {
  assert.deepEqual(chooseTile(1, 1000, 1280), { mr: 1, nr: 32 });
  for (const [m, n, k] of [
    [64, 3136, 576],
    [128, 1024, 256],
    [512, 49, 4608],
    [7, 5, 3],
  ] as const) {
    assert.ok(registersOf(chooseTile(m, n, k)) <= 15, `${m}x${n}x${k}`);
  }
});

test('spanOf bounds every element of a panel-packed view (what a thread split may touch)', () => {
  const refs: MatrixRef[] = [
    { buffer: 'b', offset: 3, rowStride: 8, colStride: 1, panels: { along: 'col', width: 8, stride: 41 } },
    { buffer: 'a', offset: 1, rowStride: 1, colStride: 4, panels: { along: 'row', width: 4, stride: 30 } },
    { buffer: 'c', offset: 50, rowStride: -7, colStride: 1 },
  ];
  for (const ref of refs) {
    for (const [rows, cols] of [
      [5, 13],
      [9, 3],
      [1, 1],
    ] as const) {
      const all: number[] = [];
      const [r1, c1] = [
        ref.panels?.along === 'row' ? Math.ceil(rows / 4) * 4 : rows,
        ref.panels?.along === 'col' ? Math.ceil(cols / 8) * 8 : cols,
      ];
      for (let r = 0; r < r1; r++) for (let c = 0; c < c1; c++) all.push(elementOf(ref, r, c));
      assert.deepEqual(spanOf(ref, rows, cols), { lo: Math.min(...all), hi: Math.max(...all) });
    }
  }
});

test('threads split packed calls at panel boundaries: shares of 3 threads cover C once', () => {
  const features: readonly WasmFeature[] = ['simd128', 'relaxed-simd', 'threads'];
  for (const threads of [2, 3]) {
    checkGemms(SHAPES, {
      features,
      threads,
      packB: 8,
      bias: 'col',
      residual: true,
      activation: { kind: 'silu' },
    });
    checkGemms(SHAPES, {
      features,
      threads,
      packA: 4,
      bias: 'row',
      activation: { kind: 'clamp', min: 0, max: 6 },
    });
    checkGemms(SHAPES, { features, threads, packB: 32, tile: { mr: 1, nr: 32 } });
  }
});

test('column tiles: the leftover columns of a row-packed A, every leftover width and row tail', () => {
  const shapes: Shape[] = [];
  for (const m of [3, 4, 13, 37]) for (const n of [1, 7, 9, 15, 41]) shapes.push([m, n, 5]);
  for (const features of FEATURES.slice(0, 2)) {
    for (const packA of [4, 8]) {
      checkGemms(shapes, {
        features,
        packA,
        bias: 'row',
        residual: true,
        activation: { kind: 'gelu', approximate: 'none' },
      });
      checkGemms(shapes, { features, packA, bias: 'col', accumulate: true });
      checkGemms(shapes, { features, packA, packB: 8, tile: { mr: packA, nr: 8 } });
    }
  }
  checkGemms(shapes, { features: ['simd128', 'relaxed-simd', 'threads'], threads: 3, packA: 4, bias: 'row' });
});
