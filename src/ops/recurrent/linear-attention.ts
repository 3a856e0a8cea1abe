import type { Dim, Shape } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { fromFloats, requireFloat, requireTensor } from '../reduce/common.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { dimPer, dimTimes, requireRank, unifyDim } from './dims.js';
import { linearAttention } from './linear-attention-kernel.js';

/**
 * LinearAttention (opset 27): recurrent linear attention over packed [B, T, H * D] inputs with a
 * matrix state [B, Hkv, dk, dv] per KV head. Inputs: query, key, value, past_state, decay, beta,
 * erase_gate. update_rule picks which of decay (gated rules) and beta (delta rules) must be given;
 * the spec forbids the others. chunk_size is a tuning hint with no effect on the result.
 */
const UPDATE_RULES = ['gated_delta', 'linear', 'gated', 'delta'] as const;
type UpdateRule = (typeof UPDATE_RULES)[number];

const linearAttentionAttrs = {
  chunk_size: attr.int(),
  kv_num_heads: attr.int(),
  q_num_heads: attr.int(),
  scale: attr.float(),
  update_rule: attr.string<UpdateRule>('gated_delta', UPDATE_RULES),
};

const OP = 'LinearAttention';
const PAST = 3;
const DECAY = 4;
const BETA = 5;
const ERASE = 6;

interface Heads {
  readonly q: number;
  readonly kv: number;
}

function headsOf(attrs: { q_num_heads?: number; kv_num_heads?: number }): Heads {
  const q = attrs.q_num_heads;
  const kv = attrs.kv_num_heads;
  if (q === undefined || kv === undefined) throw new OpError(`${OP} needs q_num_heads and kv_num_heads`);
  if (q <= 0 || kv <= 0 || q % kv !== 0)
    throw new OpError(`${OP}: q_num_heads ${q} must be a positive multiple of kv_num_heads ${kv}`);
  return { q, kv };
}

/** The spec's pairing of update rules and optional inputs: gating needs decay, delta needs beta. */
function checkRuleInputs(rule: UpdateRule, present: (i: number) => boolean): void {
  const gating = rule === 'gated' || rule === 'gated_delta';
  const delta = rule === 'delta' || rule === 'gated_delta';
  if (gating !== present(DECAY))
    throw new OpError(`${OP} update_rule '${rule}' ${gating ? 'requires' : 'forbids'} decay`);
  if (delta !== present(BETA))
    throw new OpError(`${OP} update_rule '${rule}' ${delta ? 'requires' : 'forbids'} beta`);
  if (!delta && present(ERASE)) throw new OpError(`${OP} update_rule '${rule}' forbids erase_gate`);
}

export const linearAttentionOp = defineOp({
  type: OP,
  attrs: linearAttentionAttrs,
  arity: { inputs: [3, 7], outputs: [1, 2] },
  infer(ctx) {
    const [q, k, v] = [input(ctx, 0), input(ctx, 1), input(ctx, 2)];
    requireFloat(q, OP);
    const heads = headsOf(ctx.attrs);
    checkRuleInputs(ctx.attrs.update_rule, (i) => ctx.inputs[i] !== undefined);
    const past = ctx.inputs[PAST];
    const stateDtype = past?.dtype ?? q.dtype;
    if (!q.shape || !v.shape) {
      return [
        { dtype: q.dtype, shape: undefined },
        { dtype: stateDtype, shape: past?.shape },
      ].slice(0, ctx.outputCount);
    }
    for (const [t, what] of [
      [q, 'query'],
      [k, 'key'],
      [v, 'value'],
    ] as const)
      if (t.shape) requireRank(t.shape, 3, `${OP} ${what}`);
    const pastShape = past?.shape;
    if (pastShape) requireRank(pastShape, 4, `${OP} past_state`);
    const batch = unifyDim(q.shape[0]!, pastShape?.[0], `${OP} batch`);
    const steps = q.shape[1]!;
    const dk = unifyDim(dimPer(q.shape[2]!, heads.q, `${OP} query head size`), pastShape?.[2], `${OP} d_k`);
    const dv = unifyDim(dimPer(v.shape[2]!, heads.kv, `${OP} value head size`), pastShape?.[3], `${OP} d_v`);
    if (pastShape) unifyDim(heads.kv, pastShape[1], `${OP} past_state heads`);
    checkPacked(k.shape, [batch, steps], [dimTimes(heads.kv, dk, 'la_kdim')], 'key');
    checkPacked(v.shape, [batch, steps], [], 'value');
    checkPacked(
      ctx.inputs[DECAY]?.shape,
      [batch, steps],
      [heads.kv, dimTimes(heads.kv, dk, 'la_kdim')],
      'decay',
    );
    checkPacked(ctx.inputs[BETA]?.shape, [batch, steps], [heads.kv, 1], 'beta');
    checkPacked(ctx.inputs[ERASE]?.shape, [batch, steps], [dimTimes(heads.kv, dk, 'la_kdim')], 'erase_gate');
    return [
      { dtype: q.dtype, shape: [batch, steps, dimTimes(heads.q, dv, 'la_hidden')] },
      { dtype: stateDtype, shape: [batch, heads.kv, dk, dv] },
    ].slice(0, ctx.outputCount);
  },
  reference(inputs, attrs, outputCount) {
    const [qT, kT, vT] = [0, 1, 2].map((i) => requireTensor(inputs[i], OP, `input ${i}`)) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    const heads = headsOf(attrs);
    checkRuleInputs(attrs.update_rule, (i) => inputs[i] !== undefined);
    for (const [t, what] of [
      [qT, 'query'],
      [kT, 'key'],
      [vT, 'value'],
    ] as const)
      requireRank(t.shape, 3, `${OP} ${what}`);
    const [batch, steps, qHidden] = qT.shape as [number, number, number];
    const dk = qHidden / heads.q;
    const dv = vT.shape[2]! / heads.kv;
    if (!Number.isInteger(dk) || !Number.isInteger(dv))
      throw new OpError(`${OP}: hidden sizes ${qHidden}, ${vT.shape[2]} do not split into heads`);
    const lead = [batch, steps];
    checkPacked(kT.shape, lead, [heads.kv * dk], 'key');
    checkPacked(vT.shape, lead, [heads.kv * dv], 'value');
    const [pastT, decayT, betaT, eraseT] = [inputs[PAST], inputs[DECAY], inputs[BETA], inputs[ERASE]];
    checkPacked(decayT?.shape, lead, [heads.kv, heads.kv * dk], 'decay');
    checkPacked(betaT?.shape, lead, [heads.kv, 1], 'beta');
    checkPacked(eraseT?.shape, lead, [heads.kv * dk], 'erase_gate');
    const stateShape = [batch, heads.kv, dk, dv];
    if (pastT && pastT.shape.join() !== stateShape.join())
      throw new OpError(`${OP} past_state [${pastT.shape}] is not [${stateShape}]`);
    const state = new Float64Array(batch * heads.kv * dk * dv);
    if (pastT) state.set(decodeFloats(pastT));
    // A scale of 0 means "not given" in the spec, like an absent attribute.
    const scale = attrs.scale === undefined || attrs.scale === 0 ? 1 / Math.sqrt(dk) : attrs.scale;
    const out = linearAttention({
      batch,
      steps,
      qHeads: heads.q,
      kvHeads: heads.kv,
      dk,
      dv,
      scale,
      q: decodeFloats(qT),
      k: decodeFloats(kT),
      v: decodeFloats(vT),
      decay: decayT && decodeFloats(decayT),
      decayPerKey: decayT !== undefined && decayT.shape[2] === heads.kv * dk,
      beta: betaT && decodeFloats(betaT),
      betaWidth: betaT ? betaT.shape[2]! : 1,
      erase: eraseT && decodeFloats(eraseT),
      state,
    });
    return [
      fromFloats(qT.dtype, [batch, steps, heads.q * dv], out),
      fromFloats(pastT?.dtype ?? qT.dtype, stateShape, state),
    ].slice(0, outputCount);
  },
});

/** A packed [B, T, X] input: B and T as the query's, X one of `widths` (checked where known). */
function checkPacked(
  shape: Shape | undefined,
  lead: readonly Dim[],
  widths: readonly Dim[],
  what: string,
): void {
  if (!shape) return;
  requireRank(shape, 3, `${OP} ${what}`);
  unifyDim(lead[0]!, shape[0], `${OP} ${what} batch`);
  unifyDim(lead[1]!, shape[1], `${OP} ${what} length`);
  const last = shape[2]!;
  if (widths.length === 0 || typeof last !== 'number') return;
  const known = widths.filter((w): w is number => typeof w === 'number');
  if (known.length === widths.length && !known.includes(last))
    throw new OpError(`${OP} ${what} last dim ${last} is not one of ${known.join(', ')}`);
}
