import type { AnyOpDef } from '../op.js';
import { conv } from './conv.js';
import { gemm } from './gemm.js';
import { matMul } from './matmul.js';

export const linalgOps: readonly AnyOpDef[] = [matMul, gemm, conv];
