import { freshDim, type Dim, type Shape, type TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, OpUnsupported } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import {
  appendSequence,
  attend,
  mergeHeads,
  splitHeads,
  type BiasSpec,
  type Heads,
} from './attention-kernel.js';
import { fromFloats, intValues, requireFloat, requireTensor } from './common.js';

/**
 * Attention (opsets 23/24): scaled dot-product attention over 4-D [B, H, S, D] inputs, or 3-D
 * [B, S, H * D] inputs split by q_num_heads / kv_num_heads. Optional mask (bool or additive,
 * broadcast to [B, Hq, Sq, T], padded with -inf when shorter than T), causal masking, softcap,
 * KV cache (past ++ current = present) and the qk_matmul_output of qk_matmul_output_mode.
 * softmax_precision asks for at least the input precision; scores are float64 here.
 */
const attentionAttrs = {
  is_causal: attr.int(0),
  kv_num_heads: attr.int(),
  q_num_heads: attr.int(),
  qk_matmul_output_mode: attr.int(0),
  scale: attr.float(),
  softcap: attr.float(0),
  softmax_precision: attr.int(),
};

function plus(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return freshDim('attn_total');
}

function times(a: Dim, b: Dim): Dim {
  return typeof a === 'number' && typeof b === 'number' ? a * b : freshDim('attn_hidden');
}

function per(a: Dim, heads: number): Dim {
  if (typeof a !== 'number') return freshDim('attn_head');
  if (a % heads !== 0) throw new OpError(`Attention hidden size ${a} does not split into ${heads} heads`);
  return a / heads;
}

/** Batch, heads, sequence and head size of a 4-D input, or of a 3-D one split into `heads`. */
function dimsOf(shape: Shape, heads: number | undefined): [Dim, Dim, Dim, Dim] {
  if (shape.length === 4) return [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
  if (heads === undefined || heads <= 0)
    throw new OpError('3-D Attention inputs need q_num_heads and kv_num_heads');
  return [shape[0]!, heads, shape[1]!, per(shape[2]!, heads)];
}

export const attention = defineOp({
  type: 'Attention',
  attrs: attentionAttrs,
  arity: { inputs: [3, 7], outputs: [1, 4] },
  infer(ctx) {
    const [q, k, v] = [input(ctx, 0), input(ctx, 1), input(ctx, 2)];
    requireFloat(q, 'Attention');
    const unknown: TensorType = { dtype: q.dtype, shape: undefined };
    if (!q.shape || !k.shape || !v.shape)
      return [unknown, unknown, unknown, unknown].slice(0, ctx.outputCount);
    const rank = q.shape.length;
    if ((rank !== 3 && rank !== 4) || k.shape.length !== rank || v.shape.length !== rank) {
      throw new OpError('Attention Q, K, V must all be 3-D or all 4-D');
    }
    const [B, Hq, Sq] = dimsOf(q.shape, ctx.attrs.q_num_heads);
    const [, Hkv, Skv, Dk] = dimsOf(k.shape, ctx.attrs.kv_num_heads);
    const Dv = dimsOf(v.shape, ctx.attrs.kv_num_heads)[3];
    const past = ctx.inputs[4]?.shape;
    const total = plus(past ? past[2]! : 0, Skv);
    const y = rank === 4 ? [B, Hq, Sq, Dv] : [B, Sq, times(Hq, Dv)];
    return [
      { dtype: q.dtype, shape: y },
      { dtype: q.dtype, shape: [B, Hkv, total, Dk] },
      { dtype: q.dtype, shape: [B, Hkv, total, Dv] },
      { dtype: q.dtype, shape: [B, Hq, Sq, total] },
    ].slice(0, ctx.outputCount);
  },
  reference(inputs, attrs, outputCount) {
    const [qT, kT, vT] = [0, 1, 2].map((i) => requireTensor(inputs[i], 'Attention', `input ${i}`)) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    const [maskT, pastKT, pastVT, nonpadT] = [inputs[3], inputs[4], inputs[5], inputs[6]];
    const rank = qT.shape.length;
    const q = asHeads(qT, attrs.q_num_heads);
    const k = asHeads(kT, attrs.kv_num_heads);
    const v = asHeads(vT, attrs.kv_num_heads);
    if (q.heads % k.heads !== 0 || k.heads !== v.heads)
      throw new OpError(`Attention: ${q.heads} query heads do not group over ${k.heads} KV heads`);
    const presentK = appendSequence(pastKT && asHeads(pastKT, undefined), k);
    const presentV = appendSequence(pastVT && asHeads(pastVT, undefined), v);
    const total = presentK.seq;
    const nonpad = nonpadT ? intValues(nonpadT) : undefined;
    const past = pastKT ? pastKT.shape[2]! : 0;
    const bias: BiasSpec = {
      ...maskLayout(maskT, [q.batch, q.heads, q.seq, total]),
      causal: attrs.is_causal !== 0,
      causalOffset: (b) => (pastKT || !nonpad ? past : nonpad[b]! - q.seq),
      validKeys: (b) => (nonpad ? nonpad[b]! : total),
    };
    const mode = outputCount > 3 ? attrs.qk_matmul_output_mode : -1;
    if (mode < -1 || mode > 3) throw new OpUnsupported(`Attention qk_matmul_output_mode ${mode}`);
    const y = new Float64Array(q.batch * q.heads * q.seq * v.size);
    const qk = mode >= 0 ? new Float64Array(q.batch * q.heads * q.seq * total) : undefined;
    const scale = attrs.scale ?? 1 / Math.sqrt(q.size);
    attend(q, presentK, presentV, bias, { scale, softcap: attrs.softcap, qkMode: mode }, y, qk);
    const dtype = qT.dtype;
    const yHeads: Heads = { data: y, batch: q.batch, heads: q.heads, seq: q.seq, size: v.size };
    const outputs: Tensor[] = [
      rank === 3
        ? fromFloats(dtype, [q.batch, q.seq, q.heads * v.size], mergeHeads(yHeads))
        : fromFloats(dtype, [q.batch, q.heads, q.seq, v.size], y),
      fromFloats(dtype, [k.batch, k.heads, total, k.size], presentK.data),
      fromFloats(dtype, [v.batch, v.heads, total, v.size], presentV.data),
      fromFloats(dtype, [q.batch, q.heads, q.seq, total], qk ?? new Float64Array(0)),
    ];
    return outputs.slice(0, outputCount);
  },
});

function asHeads(t: Tensor, heads: number | undefined): Heads {
  const x = decodeFloats(t);
  if (t.shape.length === 4) {
    const [batch, h, seq, size] = t.shape as [number, number, number, number];
    return { data: x, batch, heads: h, seq, size };
  }
  if (t.shape.length !== 3)
    throw new OpError(`Attention inputs must be 3-D or 4-D, found rank ${t.shape.length}`);
  if (heads === undefined || heads <= 0)
    throw new OpError('3-D Attention inputs need q_num_heads and kv_num_heads');
  if (t.shape[2]! % heads !== 0)
    throw new OpError(`Attention hidden size ${t.shape[2]} does not split into ${heads} heads`);
  return splitHeads(x, t.shape[0]!, t.shape[1]!, heads);
}

/**
 * The mask viewed as [B, Hq, Sq, T] with numpy broadcasting (right-aligned, size-1 dims repeat),
 * except the key dim: a shorter mask, even of length 1, is padded with -inf (the reference's rule).
 */
function maskLayout(
  mask: Tensor | undefined,
  full: readonly number[],
): Pick<BiasSpec, 'mask' | 'maskIsBool' | 'maskStrides' | 'maskLength'> {
  if (!mask) return { mask: undefined, maskIsBool: false, maskStrides: [0, 0, 0, 0], maskLength: 0 };
  const shape = mask.shape;
  if (shape.length < 1 || shape.length > 4) throw new OpError(`Attention mask of rank ${shape.length}`);
  const padded = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  const strides: number[] = [0, 0, 0, 0];
  let s = 1;
  for (let d = 3; d >= 0; d--) {
    const n = padded[d]!;
    if (d < 3 && n !== 1 && n !== full[d])
      throw new OpError(`Attention mask of shape [${shape}] does not broadcast to [${full}]`);
    strides[d] = n === 1 ? 0 : s;
    s *= n;
  }
  const length = padded[3]!;
  if (length > full[3]!) throw new OpError(`Attention mask covers ${length} keys, more than ${full[3]}`);
  strides[3] = 1;
  return {
    mask: decodeFloats(mask),
    maskIsBool: mask.dtype === 'bool',
    maskStrides: strides as [number, number, number, number],
    maskLength: length,
  };
}
