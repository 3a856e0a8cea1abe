import { erf } from '../../ops/elementwise/erf.js';
import type { Activation, MatrixRef } from './ir.js';

/**
 * What a GemmCall means, element by element: where a (possibly panel-packed) matrix element lives,
 * how a call's operand is cut to a block of rows or columns (for thread splits), and the activation
 * an epilogue applies. The kernel interpreter runs these; renderers must agree with them.
 */

/** Element index of (r, c) in `ref`'s buffer (see MatrixRef). */
export function elementOf(ref: MatrixRef, r: number, c: number): number {
  const p = ref.panels;
  if (!p) return ref.offset + r * ref.rowStride + c * ref.colStride;
  if (p.along === 'col') {
    const q = Math.floor(c / p.width);
    return ref.offset + q * p.stride + r * ref.rowStride + (c - q * p.width) * ref.colStride;
  }
  const q = Math.floor(r / p.width);
  return ref.offset + q * p.stride + (r - q * p.width) * ref.rowStride + c * ref.colStride;
}

/**
 * The same matrix from (r0, c0) on. Along a panel dimension the start must be a multiple of the
 * panel width, so the block is still whole panels.
 */
export function subMatrix(ref: MatrixRef, r0: number, c0: number): MatrixRef {
  const p = ref.panels;
  const start = p ? (p.along === 'row' ? r0 : c0) : 0;
  if (p && start % p.width !== 0) {
    throw new Error(`a block of a ${p.width}-wide panel operand starts at ${start}`);
  }
  const rows = p?.along === 'row' ? (r0 / p.width) * p.stride : r0 * ref.rowStride;
  const cols = p?.along === 'col' ? (c0 / p.width) * p.stride : c0 * ref.colStride;
  return { ...ref, offset: ref.offset + rows + cols };
}

/**
 * The lowest and highest element indices a rows x cols view of `ref` touches, whole panels included.
 * The index is separable, so the extremes are at the first or last panel and in-panel index.
 */
export function spanOf(ref: MatrixRef, rows: number, cols: number): { lo: number; hi: number } {
  const p = ref.panels;
  const candidates = (n: number, along: 'row' | 'col'): number[] => {
    if (p?.along !== along) return [0, n - 1];
    const whole = Math.ceil(n / p.width) * p.width;
    return [0, p.width - 1, whole - p.width, whole - 1];
  };
  if (rows <= 0 || cols <= 0) return { lo: ref.offset, hi: ref.offset - 1 };
  const at = candidates(rows, 'row').flatMap((r) => candidates(cols, 'col').map((c) => elementOf(ref, r, c)));
  return { lo: Math.min(...at), hi: Math.max(...at) };
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * The activation in float64, NaN passing through as in the ops' references: `clamp` is
 * `x < min ? min : x`, then `max < x ? max : x` (so min > max gives max, as Clip).
 */
export function activate(a: Activation, x: number): number {
  switch (a.kind) {
    case 'clamp': {
      const lo = x < a.min ? a.min : x;
      return a.max < lo ? a.max : lo;
    }
    case 'leakyrelu':
      return x < 0 ? a.alpha * x : x;
    case 'sigmoid':
      return sigmoid(x);
    case 'silu':
      return x * sigmoid(x);
    case 'tanh':
      return Math.tanh(x);
    case 'hardsigmoid':
      return Math.max(0, Math.min(1, a.alpha * x + a.beta));
    case 'hardswish':
      return x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case 'gelu':
      return a.approximate === 'tanh'
        ? 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
        : 0.5 * x * (1 + erf(x * Math.SQRT1_2));
  }
}
