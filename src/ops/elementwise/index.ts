import type { AnyOpDef } from '../op.js';

export const elementwiseOps: readonly AnyOpDef[] = [];
