import { isBigInt, isFloat } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { decodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import { axisBlock, reducedShape } from './geometry.js';
import { requireTensor } from './common.js';

/**
 * ArgMax/ArgMin: int64 index of the extreme along one axis. Ties pick the first index unless
 * select_last_index; a NaN wins over every number (numpy's argmax/argmin agree).
 */
const argAttrs = { axis: attr.int(0), keepdims: attr.int(1), select_last_index: attr.int(0) };

function defineArg(type: 'ArgMax' | 'ArgMin') {
  const sign = type === 'ArgMax' ? 1 : -1;
  return defineOp({
    type,
    attrs: argAttrs,
    arity: { inputs: [1, 1], outputs: [1, 1] },
    infer(ctx) {
      const x = input(ctx, 0);
      if (x.dtype === 'bool') throw new OpError(`${type} does not take bool`);
      if (!x.shape) return [{ dtype: 'int64', shape: undefined }];
      const axis = normalizeAxis(ctx.attrs.axis, rankOf(x));
      return [{ dtype: 'int64', shape: reducedShape(x.shape, new Set([axis]), ctx.attrs.keepdims !== 0) }];
    },
    reference([xIn], attrs) {
      const x = requireTensor(xIn, type, 'an input');
      const axis = normalizeAxis(attrs.axis, x.shape.length);
      const block = axisBlock(x.shape, axis);
      if (block.reduced === 0) throw new OpError(`${type} over an empty axis`);
      const out = isBigInt(x.dtype)
        ? argBigInt(x, block.outer, block.reduced, block.inner, sign, attrs.select_last_index !== 0)
        : argFloat(x, block.outer, block.reduced, block.inner, sign, attrs.select_last_index !== 0);
      return [
        { dtype: 'int64', shape: reducedShape(x.shape, new Set([axis]), attrs.keepdims !== 0), data: out },
      ];
    },
  });
}

function argFloat(
  x: Tensor,
  outer: number,
  n: number,
  inner: number,
  sign: number,
  last: boolean,
): BigInt64Array {
  const v = decodeFloats(x);
  const nanAware = isFloat(x.dtype);
  const out = new BigInt64Array(outer * inner);
  const best = new Float64Array(inner);
  const bestAt = new Int32Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) best[i] = sign * v[base + i]!;
    bestAt.fill(0);
    for (let r = 1; r < n; r++) {
      const row = base + r * inner;
      for (let i = 0; i < inner; i++) {
        const b = best[i]!;
        if (nanAware && b !== b) continue; // the first NaN stays the answer
        const s = sign * v[row + i]!;
        if (s > b || (last && s === b) || s !== s) {
          best[i] = s;
          bestAt[i] = r;
        }
      }
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = BigInt(bestAt[i]!);
  }
  return out;
}

function argBigInt(
  x: Tensor,
  outer: number,
  n: number,
  inner: number,
  sign: number,
  last: boolean,
): BigInt64Array {
  const v = x.data as BigInt64Array | BigUint64Array;
  const out = new BigInt64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = v[base]!;
      let at = 0;
      for (let r = 1; r < n; r++) {
        const s = v[base + r * inner]!;
        const better = sign > 0 ? s > best : s < best;
        if (better || (last && s === best)) {
          best = s;
          at = r;
        }
      }
      out[o * inner + i] = BigInt(at);
    }
  }
  return out;
}

export const argOps = [defineArg('ArgMax'), defineArg('ArgMin')];
