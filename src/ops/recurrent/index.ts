import type { AnyOpDef } from '../op.js';
import { causalConvWithState } from './causal-conv.js';
import { linearAttentionOp } from './linear-attention.js';

/** Recurrent and state-space ops: linear attention, stateful causal conv, and the classic RNNs. */
export const recurrentOps: readonly AnyOpDef[] = [linearAttentionOp, causalConvWithState];
