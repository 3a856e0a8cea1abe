import type { AnyOpDef } from '../op.js';
import { causalConvWithState } from './causal-conv.js';
import { gru } from './gru.js';
import { linearAttentionOp } from './linear-attention.js';
import { lstm } from './lstm.js';
import { rnn } from './rnn.js';

/** Recurrent and state-space ops: linear attention, stateful causal conv, and the classic RNNs. */
export const recurrentOps: readonly AnyOpDef[] = [linearAttentionOp, causalConvWithState, rnn, gru, lstm];
