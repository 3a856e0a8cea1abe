import type { AnyOpDef } from '../op.js';
import { conv } from './conv.js';

export const linalgOps: readonly AnyOpDef[] = [conv];
