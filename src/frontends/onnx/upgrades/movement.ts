import type { UpgradeTable } from '../upgrade.js';

export const movementUpgrades: UpgradeTable = {};
