import { NccError } from '../../../errors.js';
import type { AttrValue, Node } from '../../../ir/graph.js';
import { scalar } from '../../../ir/tensor.js';
import { ONNX_DTYPE_NAMES } from '../../../ops/support/dtype-codes.js';
import { attributeToInput, type NodeUpgrade, type UpgradeTable } from '../upgrade.js';

const int = (value: number): AttrValue => ({ kind: 'int', value });

function intAttr(node: Node, name: string): number | undefined {
  const v = node.attrs[name];
  return v?.kind === 'int' ? v.value : undefined;
}

function float32Scalar(v: AttrValue | undefined) {
  return scalar('float32', v?.kind === 'float' || v?.kind === 'int' ? v.value : NaN);
}

/**
 * Binary ops before opset 7 broadcast only with `broadcast=1`, matching B against A's trailing dims,
 * or against the dims from `axis` on. The first is numpy broadcasting; the second becomes the
 * ops' internal `legacy_axis`, since the upgrade cannot see ranks.
 */
const legacyBroadcast: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 7) return node;
  const { broadcast: _b, axis: _a, consumed_inputs: _c, ...attrs } = node.attrs;
  const axis = intAttr(node, 'axis');
  if (intAttr(node, 'broadcast') === 1 && axis !== undefined)
    return { ...node, attrs: { ...attrs, legacy_axis: int(axis) } };
  return { ...node, attrs };
};

/** PRelu before opset 7 applied a 1-D slope per channel (dim 1), as Caffe2 did. */
const prelu: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 7) return node;
  const { consumed_inputs: _c, ...attrs } = node.attrs;
  return { ...node, attrs: { ...attrs, legacy_axis: int(1) } };
};

/** Clip took min and max as float attributes before opset 11. */
const clip: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 11) return node;
  const withMin = attributeToInput(node, 'min', 1, float32Scalar, ctx);
  return attributeToInput(withMin, 'max', 2, float32Scalar, ctx);
};

/** Cast-1 named the target type (`to="FLOAT"`); opset 6 uses the TensorProto.DataType code. */
const cast: NodeUpgrade = (node) => {
  const to = node.attrs.to;
  if (to?.kind !== 'string') return node;
  const code = ONNX_DTYPE_NAMES[to.value.toUpperCase()];
  if (code === undefined) {
    throw new NccError('NCC_BAD_MODEL', `Cast to unknown type '${to.value}'`, {
      node: node.name,
      op: 'Cast',
    });
  }
  return { ...node, attrs: { ...node.attrs, to: int(code) } };
};

const LEGACY_BROADCAST_OPS = [
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'And',
  'Or',
  'Xor',
  'Equal',
  'Greater',
  'Less',
];

export const elementwiseUpgrades: UpgradeTable = {
  ...Object.fromEntries(LEGACY_BROADCAST_OPS.map((op) => [op, legacyBroadcast])),
  PRelu: prelu,
  Clip: clip,
  Cast: cast,
};
