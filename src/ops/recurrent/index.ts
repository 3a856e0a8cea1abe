import type { AnyOpDef } from '../op.js';

export const recurrentOps: readonly AnyOpDef[] = [];
