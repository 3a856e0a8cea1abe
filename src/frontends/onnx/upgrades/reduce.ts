import type { UpgradeTable } from '../upgrade.js';

export const reduceUpgrades: UpgradeTable = {};
