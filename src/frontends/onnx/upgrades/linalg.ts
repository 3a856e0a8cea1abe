import type { UpgradeTable } from '../upgrade.js';

export const linalgUpgrades: UpgradeTable = {};
