import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';

/**
 * Older opsets spell some ops differently (attributes that later became inputs, changed defaults).
 * The ONNX frontend rewrites every node to the newest spelling, so each registry entry has one
 * semantics. Upgrades are pure functions of the node and the model's opset for its domain.
 */
export interface UpgradeContext {
  /** The opset version the model imports for the node's domain. */
  readonly opset: number;
  /** Adds a constant tensor to the graph and returns its value name. */
  addConstant(value: Tensor, hint: string): string;
}

export type NodeUpgrade = (node: Node, ctx: UpgradeContext) => Node;

/** Upgrades by op type of the default domain. */
export type UpgradeTable = Readonly<Record<string, NodeUpgrade>>;

/** Moves an attribute to an (appended or placed) constant input, as opsets 10-18 did for many ops. */
export function attributeToInput(
  node: Node,
  attrName: string,
  inputIndex: number,
  make: (value: Node['attrs'][string]) => Tensor,
  ctx: UpgradeContext,
): Node {
  const value = node.attrs[attrName];
  const { [attrName]: _removed, ...rest } = node.attrs;
  const inputs = [...node.inputs];
  if (value !== undefined) {
    while (inputs.length < inputIndex) inputs.push('');
    inputs[inputIndex] = ctx.addConstant(make(value), `${node.name || node.op}_${attrName}`);
  }
  return { ...node, inputs, attrs: rest };
}
