import type { Shape } from '../../ir/shape.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { input } from '../support/infer.js';
import { transposeData } from './copy.js';

/** perm defaults to reversing the axes; anything else must be a permutation of 0..rank-1. */
function permutation(perm: readonly number[] | undefined, rank: number): number[] {
  if (!perm) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const p = perm.map((a) => (a < 0 ? a + rank : a));
  const seen = new Set(p);
  if (p.length !== rank || seen.size !== rank || p.some((a) => a < 0 || a >= rank)) {
    throw new OpError(`Transpose perm [${perm}] is not a permutation of rank ${rank}`);
  }
  return p;
}

export function transposeShape(shape: Shape, perm: readonly number[] | undefined): Shape {
  return permutation(perm, shape.length).map((p) => shape[p]!);
}

export const Transpose = defineOp({
  type: 'Transpose',
  attrs: { perm: attr.ints() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    return [{ dtype: x.dtype, shape: x.shape && transposeShape(x.shape, ctx.attrs.perm) }];
  },
  reference([x], attrs) {
    if (!x) throw new OpError('input 0 is required');
    const perm = permutation(attrs.perm, x.shape.length);
    // identity permutations (and transposes that only move size-1 axes) keep the data order
    const moved = perm.filter((p) => x.shape[p] !== 1);
    if (moved.every((p, i) => i === 0 || p > moved[i - 1]!)) {
      return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!), data: x.data }];
    }
    return [transposeData(x, perm)];
  },
});
