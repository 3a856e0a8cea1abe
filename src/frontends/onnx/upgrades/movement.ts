import type { AttrValue } from '../../../ir/graph.js';
import { fromNumbers, type Tensor } from '../../../ir/tensor.js';
import { attributeToInput, type NodeUpgrade, type UpgradeTable } from '../upgrade.js';

function int64s(v: AttrValue | undefined): Tensor {
  const values = v?.kind === 'ints' ? v.value : v?.kind === 'int' ? [v.value] : [];
  return fromNumbers('int64', [values.length], values);
}

/** An attribute that became input `index` in opset `since`, as an int64 vector. */
function intsToInput(name: string, index: number, since: number): NodeUpgrade {
  return (node, ctx) => (ctx.opset < since ? attributeToInput(node, name, index, int64s, ctx) : node);
}

/** Slice-1 held starts, ends and axes in attributes (inputs since opset 10). */
const slice: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 10) return node;
  let n = attributeToInput(node, 'starts', 1, int64s, ctx);
  n = attributeToInput(n, 'ends', 2, int64s, ctx);
  return attributeToInput(n, 'axes', 3, int64s, ctx);
};

/**
 * Pad-2 held `pads` (Pad-1: `paddings`) and a float `value` in attributes (inputs since opset 11).
 * The value becomes a float32 scalar; Pad converts a fill of another dtype to the data's dtype, since
 * the upgrade cannot see the data type.
 */
const pad: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 11) return node;
  const name = node.attrs['pads'] ? 'pads' : 'paddings';
  let n = attributeToInput(node, name, 1, int64s, ctx);
  const value = n.attrs['value'];
  const fill = value?.kind === 'float' || value?.kind === 'int' ? value.value : 0;
  if (fill !== 0) n = attributeToInput(n, 'value', 2, () => fromNumbers('float32', [], [fill]), ctx);
  const { value: _dropped, ...attrs } = n.attrs;
  return { ...n, attrs };
};

/** Concat's axis was optional, defaulting to 1, before opset 4. */
const concat: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 4 || node.attrs['axis']) return node;
  return { ...node, attrs: { ...node.attrs, axis: { kind: 'int', value: 1 } } };
};

/**
 * Opsets before 12 gave Dropout a `ratio` attribute (and `is_test` before 7) and no training_mode
 * input. Exported models run it for inference, where the ratio is irrelevant.
 */
const dropout: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 12) return node;
  const { ratio: _r, is_test: _t, consumed_inputs: _c, ...attrs } = node.attrs;
  return { ...node, attrs };
};

export const movementUpgrades: UpgradeTable = {
  Reshape: intsToInput('shape', 1, 5),
  Squeeze: intsToInput('axes', 1, 13),
  Unsqueeze: intsToInput('axes', 1, 13),
  Split: intsToInput('split', 1, 13),
  Slice: slice,
  Pad: pad,
  Concat: concat,
  Dropout: dropout,
};
