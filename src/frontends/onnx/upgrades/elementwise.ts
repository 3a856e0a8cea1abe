import type { UpgradeTable } from '../upgrade.js';

export const elementwiseUpgrades: UpgradeTable = {};
