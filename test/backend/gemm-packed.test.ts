import { test } from 'node:test';
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
}
