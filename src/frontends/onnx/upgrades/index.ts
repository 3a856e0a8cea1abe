import type { Node } from '../../../ir/graph.js';
import type { UpgradeContext, UpgradeTable } from '../upgrade.js';
import { elementwiseUpgrades } from './elementwise.js';
import { imageUpgrades } from './image.js';
import { linalgUpgrades } from './linalg.js';
import { movementUpgrades } from './movement.js';
import { reduceUpgrades } from './reduce.js';

const TABLES: readonly UpgradeTable[] = [
  elementwiseUpgrades,
  linalgUpgrades,
  reduceUpgrades,
  movementUpgrades,
  imageUpgrades,
];

/** Rewrites a default-domain node to the newest spelling of its op. */
export function upgradeNode(node: Node, ctx: UpgradeContext): Node {
  if (node.domain !== '') return node;
  for (const table of TABLES) {
    const up = table[node.op];
    if (up) return up(node, ctx);
  }
  return node;
}
