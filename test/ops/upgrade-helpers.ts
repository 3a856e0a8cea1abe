import assert from 'node:assert/strict';
import type { UpgradeTable } from '../../src/frontends/onnx/upgrade.js';
import type { Node } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';

/** Runs one family's upgrade of a node at an opset; the constants it adds are kept by value name. */
export function upgradeWith(
  table: UpgradeTable,
  node: Node,
  opset: number,
): { node: Node; constants: Map<string, Tensor> } {
  const up = table[node.op];
  assert.ok(up, `no upgrade for ${node.op}`);
  const constants = new Map<string, Tensor>();
  const addConstant = (value: Tensor, hint: string): string => {
    const name = `${hint}_${constants.size}`;
    constants.set(name, value);
    return name;
  };
  return { node: up(node, { opset, addConstant }), constants };
}
