import type { UpgradeTable } from '../upgrade.js';

export const imageUpgrades: UpgradeTable = {};
