import type { Node } from '../../../ir/graph.js';
import type { NodeUpgrade, UpgradeTable } from '../upgrade.js';

/**
 * Linear algebra, conv, pool and quantization ops kept their semantics across opsets: attributes
 * added later (ceil_mode, count_include_pad, storage_order, dilations, axis, block_size, ...) default
 * to the old behaviour. The one spelling change: LpPool-1 / GlobalLpPool-1 took `p` as a float.
 */
const integerP: NodeUpgrade = (node: Node, ctx) => {
  const p = node.attrs['p'];
  if (ctx.opset >= 2 || p?.kind !== 'float' || !Number.isInteger(p.value)) return node;
  return { ...node, attrs: { ...node.attrs, p: { kind: 'int', value: p.value } } };
};

export const linalgUpgrades: UpgradeTable = {
  LpPool: integerP,
  GlobalLpPool: integerP,
};
