import type { AnyOpDef } from '../op.js';

export const movementOps: readonly AnyOpDef[] = [];
