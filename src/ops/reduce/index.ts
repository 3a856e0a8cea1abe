import type { AnyOpDef } from '../op.js';

export const reduceOps: readonly AnyOpDef[] = [];
