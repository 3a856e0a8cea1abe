import type { AttrValue, Node } from '../../../ir/graph.js';
import { fromNumbers, type Tensor } from '../../../ir/tensor.js';
import { attributeToInput, type NodeUpgrade, type UpgradeTable } from '../upgrade.js';

const int = (value: number): AttrValue => ({ kind: 'int', value });

function intAttr(node: Node, name: string): number | undefined {
  const v = node.attrs[name];
  return v?.kind === 'int' ? v.value : undefined;
}

function int64s(v: AttrValue | undefined): Tensor {
  const values = v?.kind === 'ints' ? v.value : v?.kind === 'int' ? [v.value] : [];
  return fromNumbers('int64', [values.length], values);
}

/** Reduce* took `axes` as an attribute before opset 18 (ReduceSum before 13). */
function axesToInput(since: number): NodeUpgrade {
  return (node, ctx) => (ctx.opset < since ? attributeToInput(node, 'axes', 1, int64s, ctx) : node);
}

/**
 * Softmax, LogSoftmax and Hardmax before opset 13 flattened the input to 2-D at `axis` (default 1)
 * and normalized each row. With axis -1 that is the opset-13 op; otherwise the op keeps the
 * internal `coerce2d` flag, since the upgrade cannot see the input rank.
 */
const coerce2d: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 13) return node;
  const axis = intAttr(node, 'axis') ?? 1;
  if (axis === -1) return { ...node, attrs: { ...node.attrs, axis: int(-1) } };
  return { ...node, attrs: { ...node.attrs, axis: int(axis), coerce2d: int(1) } };
};

/** TopK-1 held k in an attribute. */
const topK: NodeUpgrade = (node, ctx) =>
  ctx.opset < 10 ? attributeToInput(node, 'k', 1, int64s, ctx) : node;

/**
 * BatchNormalization before opset 14 had no training_mode: more than one output meant training
 * (is_test=0 in opset 6). `spatial=0` (opsets < 9) is recognized by the parameters' size.
 */
const batchNorm: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 14) return node;
  const { spatial: _s, is_test: _t, consumed_inputs: _c, ...attrs } = node.attrs;
  const training = node.outputs.filter((o) => o !== '').length > 1 && intAttr(node, 'is_test') !== 1;
  return { ...node, attrs: { ...attrs, training_mode: int(training ? 1 : 0) } };
};

/** GroupNormalization 18-20 had one scale and bias value per group (21: per channel). */
const groupNorm: NodeUpgrade = (node, ctx) =>
  ctx.opset < 21 ? { ...node, attrs: { ...node.attrs, scale_per_group: int(1) } } : node;

export const reduceUpgrades: UpgradeTable = {
  ReduceSum: axesToInput(13),
  ReduceMean: axesToInput(18),
  ReduceMax: axesToInput(18),
  ReduceMin: axesToInput(18),
  ReduceProd: axesToInput(18),
  ReduceL1: axesToInput(18),
  ReduceL2: axesToInput(18),
  ReduceLogSum: axesToInput(18),
  ReduceLogSumExp: axesToInput(18),
  ReduceSumSquare: axesToInput(18),
  Softmax: coerce2d,
  LogSoftmax: coerce2d,
  Hardmax: coerce2d,
  TopK: topK,
  BatchNormalization: batchNorm,
  GroupNormalization: groupNorm,
};
