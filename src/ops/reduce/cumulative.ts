import { isBigInt, isFloat, type DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { intValues, requireTensor } from './common.js';
import { axisBlock } from './geometry.js';

/**
 * CumSum and CumProd along the axis given by input 1. `exclusive` shifts by one element (the
 * first output is the identity), `reverse` runs from the end. Running values are kept per inner
 * position so the innermost loop stays contiguous.
 */
function defineCumulative(type: 'CumSum' | 'CumProd') {
  const isSum = type === 'CumSum';
  return defineOp({
    type,
    attrs: { exclusive: attr.int(0), reverse: attr.int(0) },
    arity: { inputs: [2, 2], outputs: [1, 1] },
    infer(ctx) {
      const x = input(ctx, 0);
      checkDtype(type, x.dtype);
      return [x];
    },
    reference([xIn, axisIn], attrs) {
      const x = requireTensor(xIn, type, 'an input');
      const axisValues = intValues(requireTensor(axisIn, type, 'an axis'));
      if (axisValues.length !== 1) throw new OpError(`${type} axis must be a scalar`);
      const axis = normalizeAxis(axisValues[0]!, x.shape.length);
      const { outer, reduced, inner } = axisBlock(x.shape, axis);
      const exclusive = attrs.exclusive !== 0;
      const reverse = attrs.reverse !== 0;
      if (isBigInt(x.dtype)) return [scanBigInt(x, outer, reduced, inner, isSum, exclusive, reverse)];
      const v = decodeFloats(x);
      const out = new Float64Array(v.length);
      const run = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        run.fill(isSum ? 0 : 1);
        for (let step = 0; step < reduced; step++) {
          const r = reverse ? reduced - 1 - step : step;
          const off = (o * reduced + r) * inner;
          for (let i = 0; i < inner; i++) {
            const before = run[i]!;
            const after = isSum ? before + v[off + i]! : before * v[off + i]!;
            run[i] = after;
            out[off + i] = exclusive ? before : after;
          }
        }
      }
      return [encodeFloats(x.dtype, x.shape, out)];
    },
  });
}

function checkDtype(type: string, dtype: DType): void {
  const ok =
    isFloat(dtype) || dtype === 'int32' || dtype === 'int64' || dtype === 'uint32' || dtype === 'uint64';
  if (!ok) throw new OpError(`${type} does not take ${dtype}`);
}

function scanBigInt(
  x: Tensor,
  outer: number,
  reduced: number,
  inner: number,
  isSum: boolean,
  exclusive: boolean,
  reverse: boolean,
): Tensor {
  const v = x.data as BigInt64Array | BigUint64Array;
  const out = x.dtype === 'int64' ? new BigInt64Array(v.length) : new BigUint64Array(v.length);
  const signed = x.dtype === 'int64';
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let run = isSum ? 0n : 1n;
      for (let step = 0; step < reduced; step++) {
        const r = reverse ? reduced - 1 - step : step;
        const at = (o * reduced + r) * inner + i;
        const next = isSum ? run + v[at]! : run * v[at]!;
        const wrapped = signed ? BigInt.asIntN(64, next) : BigInt.asUintN(64, next);
        out[at] = exclusive ? run : wrapped;
        run = wrapped;
      }
    }
  }
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

export const cumulativeOps = [defineCumulative('CumSum'), defineCumulative('CumProd')];
