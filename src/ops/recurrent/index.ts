import type { AnyOpDef } from '../op.js';
import { causalConvWithState } from './causal-conv.js';
import { gru } from './gru.js';
import { linearAttentionOp } from './linear-attention.js';
import { lstm } from './lstm.js';
import { rnn } from './rnn.js';

/** Recurrent and state-space ops: RNN, GRU, LSTM, linear attention and the stateful causal conv. */
export const recurrentOps: readonly AnyOpDef[] = [rnn, gru, lstm, linearAttentionOp, causalConvWithState];
