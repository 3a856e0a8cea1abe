import { test } from 'node:test';
import type { WasmFeature } from '../../src/neff/contents.js';
import { ACTIVATIONS, checkGemms, type Shape } from './gemm-tester.js';

/**
 * Fused gemm epilogues (bias + residual -> activation -> clamp) in every generator: splat tiles, dot
 * tiles (B transposed) and the scalar path, over sizes that are not multiples of any tile.
 */
const SHAPES: readonly Shape[] = [
  [1, 1, 1],
  [5, 13, 7],
  [7, 3, 17],
  [13, 33, 5],
  [4, 9, 0],
];
const FEATURES: readonly (readonly WasmFeature[])[] = [['simd128', 'relaxed-simd'], ['simd128'], []];

for (const features of FEATURES) {
  const label = features.join('+') || 'scalar';
  for (const activation of ACTIVATIONS) {
    const params = Object.entries(activation).filter(([key]) => key !== 'kind');
    const name = [activation.kind, ...params.map(([key, value]) => `${key}=${String(value)}`)].join(' ');
    test(`gemm epilogue ${name} ${label}`, () => {
      checkGemms(SHAPES, { features, activation });
      checkGemms(SHAPES, { features, activation, bias: 'col', residual: true });
      checkGemms(SHAPES, { features, activation, bias: 'row', transB: true });
    });
  }
  test(`gemm residual without activation, with accumulate and clamp ${label}`, () => {
    checkGemms(SHAPES, { features, residual: true });
    checkGemms(SHAPES, {
      features,
      residual: true,
      accumulate: true,
      bias: 'row',
      clamp: { min: -1, max: 1 },
    });
    checkGemms(SHAPES, { features, residual: true, transB: true, activation: { kind: 'silu' } });
  });
}
