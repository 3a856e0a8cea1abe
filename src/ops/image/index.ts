import type { AnyOpDef } from '../op.js';

export const imageOps: readonly AnyOpDef[] = [];
