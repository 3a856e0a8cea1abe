import type { AnyOpDef } from '../op.js';
import { reductionOps } from './reduce.js';

export const reduceOps: readonly AnyOpDef[] = [...reductionOps];
