import type { AnyOpDef } from '../op.js';

export const linalgOps: readonly AnyOpDef[] = [];
