import type { Dim, TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import type { FloatArray } from './accumulate.js';
import { fromFloats, intValues, requireFloat, requireTensor } from './common.js';
import { softmaxTensor } from './softmax.js';

/**
 * NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss over [N, C, d1...] scores and [N, d1...]
 * class targets. A target equal to ignore_index contributes nothing, not even to the weight sum
 * that 'mean' divides by (so 'mean' is sum(w * loss) / sum(w), NaN when every target is ignored).
 */
const lossAttrs = {
  reduction: attr.string('mean', ['none', 'sum', 'mean']),
  ignore_index: attr.int(),
};

type Reduction = 'none' | 'sum' | 'mean';

function inferLoss(op: string, scores: TensorType, target: TensorType, reduction: Reduction): TensorType {
  requireFloat(scores, op);
  if (target.dtype !== 'int32' && target.dtype !== 'int64')
    throw new OpError(`${op} targets must be int32 or int64, not ${target.dtype}`);
  if (scores.shape && scores.shape.length < 2) throw new OpError(`${op} scores need rank >= 2`);
  if (reduction !== 'none') return { dtype: scores.dtype, shape: [] };
  let shape: Dim[] | undefined;
  if (target.shape) shape = [...target.shape];
  else if (scores.shape) shape = [scores.shape[0]!, ...scores.shape.slice(2)];
  return { dtype: scores.dtype, shape };
}

/** -logProb[n, t, d] * w[t] per target element, then the reduction. */
function nll(
  logProb: FloatArray,
  shape: readonly number[],
  target: Tensor,
  weight: Tensor | undefined,
  reduction: Reduction,
  ignore: number | undefined,
): { values: Float64Array; shape: number[] } {
  const N = shape[0]!;
  const C = shape[1]!;
  let D = 1;
  for (let i = 2; i < shape.length; i++) D *= shape[i]!;
  if (target.data.length !== N * D)
    throw new OpError(`loss target has ${target.data.length} values, expected ${N * D}`);
  const t = intValues(target);
  const w = weight ? decodeFloats(weight) : undefined;
  if (w && w.length !== C) throw new OpError(`loss weight has ${w.length} values for ${C} classes`);
  const loss = new Float64Array(N * D);
  let lossSum = 0;
  let weightSum = 0;
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const k = n * D + d;
      const cls = t[k]!;
      if (cls === ignore) continue;
      if (cls < 0 || cls >= C) throw new OpError(`loss target ${cls} is outside [0, ${C})`);
      const wk = w ? w[cls]! : 1;
      loss[k] = -logProb[(n * C + cls) * D + d]! * wk;
      lossSum += loss[k]!;
      weightSum += wk;
    }
  }
  if (reduction === 'none') return { values: loss, shape: [...target.shape] };
  return { values: Float64Array.of(reduction === 'sum' ? lossSum : lossSum / weightSum), shape: [] };
}

export const negativeLogLikelihoodLoss = defineOp({
  type: 'NegativeLogLikelihoodLoss',
  attrs: lossAttrs,
  arity: { inputs: [2, 3], outputs: [1, 1] },
  infer(ctx) {
    return [inferLoss('NegativeLogLikelihoodLoss', input(ctx, 0), input(ctx, 1), ctx.attrs.reduction)];
  },
  reference([xIn, targetIn, weight], attrs) {
    const x = requireTensor(xIn, 'NegativeLogLikelihoodLoss', 'an input');
    const target = requireTensor(targetIn, 'NegativeLogLikelihoodLoss', 'a target');
    if (x.shape.length < 2) throw new OpError('NegativeLogLikelihoodLoss input needs rank >= 2');
    const r = nll(decodeFloats(x), x.shape, target, weight, attrs.reduction, attrs.ignore_index);
    return [fromFloats(x.dtype, r.shape, r.values)];
  },
});

export const softmaxCrossEntropyLoss = defineOp({
  type: 'SoftmaxCrossEntropyLoss',
  attrs: lossAttrs,
  arity: { inputs: [2, 3], outputs: [1, 2] },
  infer(ctx) {
    const scores = input(ctx, 0);
    const loss = inferLoss('SoftmaxCrossEntropyLoss', scores, input(ctx, 1), ctx.attrs.reduction);
    return [loss, scores].slice(0, ctx.outputCount);
  },
  reference([xIn, targetIn, weight], attrs, outputCount) {
    const x = requireTensor(xIn, 'SoftmaxCrossEntropyLoss', 'scores');
    const target = requireTensor(targetIn, 'SoftmaxCrossEntropyLoss', 'labels');
    if (x.shape.length < 2) throw new OpError('SoftmaxCrossEntropyLoss scores need rank >= 2');
    const logProb = softmaxTensor(x, 1, false, 'log');
    const r = nll(decodeFloats(logProb), x.shape, target, weight, attrs.reduction, attrs.ignore_index);
    return [fromFloats(x.dtype, r.shape, r.values), logProb].slice(0, outputCount);
  },
});
