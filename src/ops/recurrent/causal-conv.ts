import { freshDim, type Dim } from '../../ir/shape.js';
import { isHalf } from '../../ir/dtype.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { fromFloats, requireFloat, requireTensor } from '../reduce/common.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { requireRank, unifyDim } from './dims.js';

/**
 * CausalConvWithState (opset 27): depthwise causal Conv1d over [B, C, L] whose left padding is the
 * carried state [B, C, k - 1] (zeros when absent), with weight [C, 1, k], optional bias [C] and an
 * optional fused SiLU ('swish' is the same function). present_state is the last k - 1 positions of
 * past ++ input, so a kernel of size one carries an empty state.
 */
const OP = 'CausalConvWithState';

const causalConvAttrs = {
  activation: attr.string('none', ['none', 'silu', 'swish']),
};

function stateLength(k: Dim): Dim {
  if (typeof k !== 'number') return freshDim('conv_state');
  if (k < 1) throw new OpError(`${OP} kernel size ${k} must be at least 1`);
  return k - 1;
}

export const causalConvWithState = defineOp({
  type: OP,
  attrs: causalConvAttrs,
  arity: { inputs: [2, 4], outputs: [1, 2] },
  infer(ctx) {
    const [x, w] = [input(ctx, 0), input(ctx, 1)];
    requireFloat(x, OP);
    const past = ctx.inputs[3]?.shape;
    if (!x.shape)
      return [
        { dtype: x.dtype, shape: undefined },
        { dtype: x.dtype, shape: past },
      ].slice(0, ctx.outputCount);
    requireRank(x.shape, 3, `${OP} input`);
    const [batch, channels] = [x.shape[0]!, x.shape[1]!];
    let state: Dim = freshDim('conv_state');
    if (w.shape) {
      requireRank(w.shape, 3, `${OP} weight`);
      unifyDim(channels, w.shape[0], `${OP} weight channels`);
      unifyDim(1, w.shape[1], `${OP} weight dim 1`);
      state = stateLength(w.shape[2]!);
    }
    const bias = ctx.inputs[2]?.shape;
    if (bias) {
      requireRank(bias, 1, `${OP} bias`);
      unifyDim(channels, bias[0], `${OP} bias channels`);
    }
    if (past) {
      requireRank(past, 3, `${OP} past_state`);
      unifyDim(batch, past[0], `${OP} past_state batch`);
      unifyDim(channels, past[1], `${OP} past_state channels`);
      state = unifyDim(state, past[2], `${OP} past_state length`);
    }
    return [
      { dtype: x.dtype, shape: x.shape },
      { dtype: x.dtype, shape: [batch, channels, state] },
    ].slice(0, ctx.outputCount);
  },
  reference(inputs, attrs, outputCount) {
    const xT = requireTensor(inputs[0], OP, 'input');
    const wT = requireTensor(inputs[1], OP, 'weight');
    requireRank(xT.shape, 3, `${OP} input`);
    requireRank(wT.shape, 3, `${OP} weight`);
    const [batch, channels, length] = xT.shape as [number, number, number];
    const k = wT.shape[2]!;
    const s = stateLength(k) as number;
    if (wT.shape[0] !== channels || wT.shape[1] !== 1)
      throw new OpError(`${OP} weight [${wT.shape}] is not [${channels}, 1, k]`);
    const [biasT, pastT] = [inputs[2], inputs[3]];
    if (biasT && biasT.shape.join() !== String(channels))
      throw new OpError(`${OP} bias [${biasT.shape}] is not [${channels}]`);
    if (pastT && pastT.shape.join() !== [batch, channels, s].join())
      throw new OpError(`${OP} past_state [${pastT.shape}] is not [${batch}, ${channels}, ${s}]`);
    const x = decodeFloats(xT);
    const w = decodeFloats(wT);
    const bias = biasT && decodeFloats(biasT);
    const past = pastT && decodeFloats(pastT);
    const y = new Float64Array(batch * channels * length);
    const present = new Float64Array(batch * channels * s);
    // One padded row (past ++ input) per (batch, channel): the conv reads it, the state is its tail.
    const row = new Float64Array(s + length);
    for (let bc = 0; bc < batch * channels; bc++) {
      const c = bc % channels;
      if (past) for (let i = 0; i < s; i++) row[i] = past[bc * s + i]!;
      else row.fill(0, 0, s);
      for (let i = 0; i < length; i++) row[s + i] = x[bc * length + i]!;
      const b0 = bias ? bias[c]! : 0;
      for (let i = 0; i < length; i++) {
        let acc = b0;
        for (let j = 0; j < k; j++) acc += w[c * k + j]! * row[i + j]!;
        y[bc * length + i] = acc;
      }
      present.set(row.subarray(length, length + s), bc * s);
    }
    if (attrs.activation !== 'none') {
      // The spec's function casts the conv result to T before the activation.
      const conv = isHalf(xT.dtype) ? decodeFloats(encodeFloats(xT.dtype, xT.shape, y)) : y;
      for (let i = 0; i < y.length; i++) y[i] = conv[i]! / (1 + Math.exp(-conv[i]!));
    }
    return [fromFloats(xT.dtype, xT.shape, y), fromFloats(xT.dtype, [batch, channels, s], present)].slice(
      0,
      outputCount,
    );
  },
});
