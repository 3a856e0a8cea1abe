import type { FloatArray } from './accumulate.js';

/** Q, K, V and their results as [batch, heads, seq, head_size] float arrays. */
export interface Heads {
  readonly data: FloatArray;
  readonly batch: number;
  readonly heads: number;
  readonly seq: number;
  readonly size: number;
}

/** [B, S, H * D] (the 3-D input form) to [B, H, S, D]. */
export function splitHeads(x: FloatArray, batch: number, seq: number, heads: number): Heads {
  const hidden = x.length / Math.max(1, batch * seq);
  const size = hidden / heads;
  const out = new Float64Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let s = 0; s < seq; s++)
      for (let h = 0; h < heads; h++) {
        const src = (b * seq + s) * hidden + h * size;
        const dst = ((b * heads + h) * seq + s) * size;
        for (let d = 0; d < size; d++) out[dst + d] = x[src + d]!;
      }
  return { data: out, batch, heads, seq, size };
}

/** [B, H, S, D] back to [B, S, H * D]. */
export function mergeHeads(x: Heads): Float64Array {
  const { batch, heads, seq, size } = x;
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let s = 0; s < seq; s++) {
        const src = ((b * heads + h) * seq + s) * size;
        const dst = (b * seq + s) * heads * size + h * size;
        for (let d = 0; d < size; d++) out[dst + d] = x.data[src + d]!;
      }
  return out;
}

/** past ++ current along the sequence axis: the present key/value cache. */
export function appendSequence(past: Heads | undefined, current: Heads): Heads {
  if (!past) return current;
  const { batch, heads, size } = current;
  const seq = past.seq + current.seq;
  const out = new Float64Array(batch * heads * seq * size);
  for (let bh = 0; bh < batch * heads; bh++) {
    out.set(past.data.subarray(bh * past.seq * size, (bh + 1) * past.seq * size), bh * seq * size);
    out.set(
      current.data.subarray(bh * current.seq * size, (bh + 1) * current.seq * size),
      (bh * seq + past.seq) * size,
    );
  }
  return { data: out, batch, heads, seq, size };
}

/**
 * The additive bias of one (batch, head) score matrix [Sq, T]: user mask, causal frontier and
 * key padding. `maskAt` gives the mask's flat offset of (b, h, i) and its last-dim length.
 */
export interface BiasSpec {
  readonly mask: FloatArray | undefined;
  readonly maskIsBool: boolean;
  /** Strides of the mask viewed as [B, H, Sq, T] with 0 on broadcast dims. */
  readonly maskStrides: readonly [number, number, number, number];
  readonly maskLength: number;
  readonly causal: boolean;
  /** Per batch: how many keys precede query 0 (causal frontier offset). */
  readonly causalOffset: (b: number) => number;
  /** Per batch: keys at or beyond this index are padding. */
  readonly validKeys: (b: number) => number;
}

export interface AttentionParams {
  readonly scale: number;
  readonly softcap: number;
  /** -1: no qk output; 0 raw QK, 1 after softcap, 2 after the bias, 3 after softmax. */
  readonly qkMode: number;
}

/**
 * softmax(softcap(Q K^T * scale) + bias) V for every (batch, query head). Query head h reads KV
 * head floor(h / (Hq / Hkv)) (grouped-query attention). Softcap precedes the bias so a -inf
 * mask stays -inf.
 */
export function attend(
  q: Heads,
  k: Heads,
  v: Heads,
  bias: BiasSpec,
  p: AttentionParams,
  y: Float64Array,
  qk: Float64Array | undefined,
): void {
  const { batch, heads: Hq, seq: Sq, size: D } = q;
  const T = k.seq;
  const Dv = v.size;
  const reps = Hq / k.heads;
  const row = new Float64Array(T);
  const [mb, mh, mi, mj] = bias.maskStrides;
  const qd = q.data;
  const kd = k.data;
  const vd = v.data;
  for (let b = 0; b < batch; b++) {
    const offset = bias.causalOffset(b);
    const valid = bias.validKeys(b);
    for (let h = 0; h < Hq; h++) {
      const kvh = Math.floor(h / reps);
      const kBase = (b * k.heads + kvh) * T * D;
      const vBase = (b * v.heads + kvh) * T * Dv;
      for (let i = 0; i < Sq; i++) {
        const qOff = ((b * Hq + h) * Sq + i) * D;
        const qkOff = ((b * Hq + h) * Sq + i) * T;
        for (let j = 0; j < T; j++) {
          let s = 0;
          const kOff = kBase + j * D;
          for (let d = 0; d < D; d++) s += qd[qOff + d]! * kd[kOff + d]!;
          row[j] = s * p.scale;
        }
        if (qk && p.qkMode === 0) qk.set(row, qkOff);
        if (p.softcap > 0) for (let j = 0; j < T; j++) row[j] = p.softcap * Math.tanh(row[j]! / p.softcap);
        if (qk && p.qkMode === 1) qk.set(row, qkOff);
        const mOff = b * mb + h * mh + i * mi;
        for (let j = 0; j < T; j++) {
          let add = 0;
          if (bias.mask) {
            if (j >= bias.maskLength) add = -Infinity;
            else if (bias.maskIsBool) add = bias.mask[mOff + j * mj] ? 0 : -Infinity;
            else add = bias.mask[mOff + j * mj]!;
          }
          if ((bias.causal && j > i + offset) || j >= valid) add = -Infinity;
          row[j] = row[j]! + add;
        }
        if (qk && p.qkMode === 2) qk.set(row, qkOff);
        softmaxInPlace(row);
        if (qk && p.qkMode === 3) qk.set(row, qkOff);
        const yOff = ((b * Hq + h) * Sq + i) * Dv;
        for (let j = 0; j < T; j++) {
          const w = row[j]!;
          if (w === 0) continue;
          const vOff = vBase + j * Dv;
          for (let d = 0; d < Dv; d++) y[yOff + d]! += w * vd[vOff + d]!;
        }
      }
    }
  }
}

/** A fully masked row (all -inf) gives NaN, as the ONNX reference's exp(-inf - -inf) does. */
function softmaxInPlace(row: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) if (row[j]! > max) max = row[j]!;
  let sum = 0;
  for (let j = 0; j < row.length; j++) {
    const e = Math.exp(row[j]! - max);
    row[j] = e;
    sum += e;
  }
  for (let j = 0; j < row.length; j++) row[j] = row[j]! / sum;
}
