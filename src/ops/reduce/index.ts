import type { AnyOpDef } from '../op.js';
import { argOps } from './arg.js';
import { attention } from './attention.js';
import { batchNormalization } from './batch-norm.js';
import { cumulativeOps } from './cumulative.js';
import { groupNormalization, instanceNormalization } from './group-norm.js';
import { layerNormalization, rmsNormalization } from './layer-norm.js';
import { negativeLogLikelihoodLoss, softmaxCrossEntropyLoss } from './losses.js';
import { lpNormalization, meanVarianceNormalization } from './lp-norm.js';
import { lrn } from './lrn.js';
import { reductionOps } from './reduce.js';
import { rotaryEmbedding } from './rotary.js';
import { softmaxOps } from './softmax.js';
import { topK } from './topk.js';

/** Reductions, arg/top-k/cumulative ops, softmax, normalizations, attention and losses. */
export const reduceOps: readonly AnyOpDef[] = [
  ...reductionOps,
  ...argOps,
  topK,
  ...cumulativeOps,
  ...softmaxOps,
  batchNormalization,
  instanceNormalization,
  groupNormalization,
  layerNormalization,
  rmsNormalization,
  lpNormalization,
  meanVarianceNormalization,
  lrn,
  attention,
  rotaryEmbedding,
  negativeLogLikelihoodLoss,
  softmaxCrossEntropyLoss,
];
