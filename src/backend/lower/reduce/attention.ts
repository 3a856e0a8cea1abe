import type { DType } from '../../../ir/dtype.js';
import { load, store } from '../../kernel/build.js';
import type { Index, Kernel, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowering, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input } from './common.js';
import { outputGemm, outputLoops, scoresGemm, scoresLoops } from './attention-products.js';
import { softmaxRows } from './attention-softmax.js';
import { nest, scalarDtype, type Bound } from './rows.js';

/**
 * Attention (opsets 23/24): softmax(softcap(Q K^T * scale) + bias) V per (batch, query head), query
 * head h reading KV head h / (Hq / Hkv). The bias is the mask (bool or additive, broadcast, -inf past
 * its last column), the causal frontier and the nonpad key padding. float32 runs both products as
 * gemm calls on strided views (3-D inputs need no head split); other dtypes use loop nests. Scores live
 * in a [B, Hq, Sq, T] scratch; the past/present KV cache is a concatenation kernel.
 */
export interface AttentionAttrs {
  readonly is_causal: number;
  readonly kv_num_heads?: number;
  readonly q_num_heads?: number;
  readonly qk_matmul_output_mode: number;
  readonly scale?: number;
  readonly softcap: number;
}

/** A [B, H, S, D] operand: element (b, h, s, d) at b*sb + h*sh + s*ss + d. */
export interface Heads {
  readonly buffer: string;
  readonly dtype: DType;
  readonly B: number;
  readonly H: number;
  readonly S: number;
  readonly D: number;
  readonly sb: number;
  readonly sh: number;
  readonly ss: number;
}

function headsOf(v: LoweredValue, heads: number | undefined): Heads {
  const { buffer, dtype, shape } = v;
  if (shape.length === 4) {
    const [B, H, S, D] = shape as [number, number, number, number];
    return { buffer, dtype, B, H, S, D, sb: H * S * D, sh: S * D, ss: D };
  }
  if (shape.length !== 3 || !heads)
    throw new LoweringUnsupported('3-D inputs need q_num_heads and kv_num_heads');
  const [B, S, hidden] = shape as [number, number, number];
  const D = hidden / heads;
  return { buffer, dtype, B, H: heads, S, D, sb: S * hidden, sh: D, ss: hidden };
}

function packed(buffer: string, dtype: DType, B: number, H: number, S: number, D: number): Heads {
  return { buffer, dtype, B, H, S, D, sb: H * S * D, sh: S * D, ss: D };
}

const attention: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as AttentionAttrs;
  const q = headsOf(input(ctx, 0, 'Q'), attrs.q_num_heads);
  const kCur = headsOf(input(ctx, 1, 'K'), attrs.kv_num_heads);
  const vCur = headsOf(input(ctx, 2, 'V'), attrs.kv_num_heads);
  const type = floatType(q.dtype, 'Attention');
  if (q.H % kCur.H !== 0 || kCur.H !== vCur.H)
    throw new LoweringUnsupported(`${q.H} query heads over ${kCur.H} KV heads`);
  const kernels: Kernel[] = [];
  const k = present(ctx, 1, kCur, ctx.inputs[4], kernels);
  const v = present(ctx, 2, vCur, ctx.inputs[5], kernels);
  const T = k.S;
  const scores = ctx.scratch(scalarDtype(type), q.B * q.H * q.S * T, 'attention_scores');
  const useGemm = type === 'f32' && q.dtype === 'float32';
  const shape = { B: q.B, Hq: q.H, Hkv: k.H, Sq: q.S, T };
  kernels.push(
    ...(useGemm ? scoresGemm(ctx, q, k, scores, shape) : [scoresLoops(ctx, q, k, scores, shape, type)]),
  );
  kernels.push(softmaxRows(ctx, attrs, scores, shape, type, q.D, k.S - kCur.S));
  const y = ctx.outputs[0]!;
  const yHeads: Heads =
    y.shape.length === 4
      ? packed(y.buffer, y.dtype, q.B, q.H, q.S, v.D)
      : {
          buffer: y.buffer,
          dtype: y.dtype,
          B: q.B,
          H: q.H,
          S: q.S,
          D: v.D,
          sb: q.S * q.H * v.D,
          sh: v.D,
          ss: q.H * v.D,
        };
  kernels.push(
    ...(useGemm
      ? outputGemm(ctx, scores, v, yHeads, shape)
      : [outputLoops(ctx, scores, v, yHeads, shape, type)]),
  );
  return { kernels };
};

/** The present cache past ++ current in [B, H, T, D] (output 1/2 or scratch); the current input when neither is needed. */
function present(
  ctx: LowerContext,
  slot: 1 | 2,
  cur: Heads,
  past: LoweredValue | undefined,
  kernels: Kernel[],
): Heads {
  const out = ctx.outputs[slot];
  if (!past && !out) return cur;
  const P = past ? past.shape[2]! : 0;
  const T = P + cur.S;
  const buffer =
    out?.buffer ??
    ctx.scratch(cur.dtype, cur.B * cur.H * T * cur.D, slot === 1 ? 'present_key' : 'present_value');
  const dst = packed(buffer, cur.dtype, cur.B, cur.H, T, cur.D);
  const p = ctx.fresh('kv');
  // one loop over (b, h) shared by both copies, so threads split it
  const heads: Bound[] = [
    { dim: { extent: cur.B, strides: [] }, v: `${p}b` },
    { dim: { extent: cur.H, strides: [] }, v: `${p}h` },
  ].filter((l) => l.dim.extent !== 1);
  const copy = (src: Heads, S: number, at: number): Stmt[] => {
    const rows: Bound[] = [
      { dim: { extent: S, strides: [src.ss, dst.ss] }, v: `${p}s` },
      { dim: { extent: cur.D, strides: [1, 1] }, v: `${p}d` },
    ];
    const ix = (h: Heads, slotIx: number, offset: number): Index => ({
      terms: [
        ...heads.map((l) => ({ v: l.v, stride: l.v === `${p}b` ? h.sb : h.sh })),
        ...rows.map((d) => ({ v: d.v, stride: d.dim.strides[slotIx]! })),
      ],
      offset,
    });
    const value = load(src.buffer, src.dtype, ix(src, 0, 0));
    return nest(rows, [store(dst.buffer, dst.dtype, ix(dst, 1, at * dst.ss), value)], true);
  };
  const inner = [...(past ? copy(headsOf(past, undefined), P, 0) : []), ...copy(cur, cur.S, P)];
  const body = nest(heads, inner, false, true);
  kernels.push({
    name: `attention_kvcache_${dtypeTag(cur.dtype)}`,
    node: ctx.node.name,
    reads: [cur.buffer, ...(past ? [past.buffer] : [])],
    writes: [buffer],
    body,
  });
  return dst;
}

export interface Shape {
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly Sq: number;
  readonly T: number;
}

registerLowerings({ Attention: attention });
