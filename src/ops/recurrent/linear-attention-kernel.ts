import type { FloatArray } from '../reduce/accumulate.js';

/**
 * One LinearAttention problem in the packed layout of the op: q [B, T, Hq * dk], k [B, T, Hkv * dk],
 * v [B, T, Hkv * dv], decay [B, T, Hkv * dk] or [B, T, Hkv], beta [B, T, Hkv] or [B, T, 1],
 * erase gate [B, T, Hkv * dk]. `state` [B, Hkv, dk, dv] holds the past state and is updated in place.
 */
export interface LinearAttentionProblem {
  readonly batch: number;
  readonly steps: number;
  readonly qHeads: number;
  readonly kvHeads: number;
  readonly dk: number;
  readonly dv: number;
  readonly scale: number;
  readonly q: FloatArray;
  readonly k: FloatArray;
  readonly v: FloatArray;
  readonly decay: FloatArray | undefined;
  /** True for a per-key-dim decay [.., Hkv * dk], false for one decay per head [.., Hkv]. */
  readonly decayPerKey: boolean;
  readonly beta: FloatArray | undefined;
  /** Last dim of beta: kvHeads, or 1 for one beta shared by every head. */
  readonly betaWidth: number;
  readonly erase: FloatArray | undefined;
  readonly state: Float64Array;
}

/**
 * The token-by-token recurrence of the spec, per (batch, KV head):
 *   S <- exp(g_t) * S                                  (gated rules)
 *   u  = beta_t * (v_t - S^T (e_t * k_t))              (delta rules; u = v_t otherwise)
 *   S <- S + k_t (x) u
 *   o_t = scale * q_t^T S   for each query head of the KV head's group.
 * The delta rule reads the state after the decay, as the spec's gated_delta formula
 * (v_t - exp(g_t) S_{t-1}^T k_t) says. Query head h reads KV head floor(h / (Hq / Hkv)).
 * Returns the output [B, T, Hq * dv].
 */
export function linearAttention(p: LinearAttentionProblem): Float64Array {
  const { batch, steps, qHeads, kvHeads, dk, dv, scale, q, k, v, state } = p;
  const group = qHeads / kvHeads;
  const out = new Float64Array(batch * steps * qHeads * dv);
  const u = new Float64Array(dv);
  const gate = new Float64Array(dk);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < kvHeads; h++) {
      const s = state.subarray((b * kvHeads + h) * dk * dv, (b * kvHeads + h + 1) * dk * dv);
      for (let t = 0; t < steps; t++) {
        const row = b * steps + t;
        const kOff = (row * kvHeads + h) * dk;
        const vOff = (row * kvHeads + h) * dv;
        if (p.decay) decayState(p, s, row, h, gate);
        for (let m = 0; m < dv; m++) u[m] = v[vOff + m]!;
        if (p.beta) correctDelta(p, s, row, h, kOff, u);
        for (let d = 0; d < dk; d++) {
          const kd = k[kOff + d]!;
          if (kd === 0) continue;
          const base = d * dv;
          for (let m = 0; m < dv; m++) s[base + m]! += kd * u[m]!;
        }
        for (let j = 0; j < group; j++) {
          const hq = h * group + j;
          const qOff = (row * qHeads + hq) * dk;
          const oOff = (row * qHeads + hq) * dv;
          for (let d = 0; d < dk; d++) {
            const qd = q[qOff + d]!;
            const base = d * dv;
            for (let m = 0; m < dv; m++) out[oOff + m]! += qd * s[base + m]!;
          }
          for (let m = 0; m < dv; m++) out[oOff + m] = out[oOff + m]! * scale;
        }
      }
    }
  }
  return out;
}

/** S <- exp(g_t) * S with g_t per key row (or one g_t for the head), in log space as the spec has it. */
function decayState(
  p: LinearAttentionProblem,
  s: Float64Array,
  row: number,
  h: number,
  gate: Float64Array,
): void {
  const { dk, dv, kvHeads } = p;
  const decay = p.decay!;
  if (p.decayPerKey) {
    for (let d = 0; d < dk; d++) gate[d] = Math.exp(decay[(row * kvHeads + h) * dk + d]!);
  } else {
    gate.fill(Math.exp(decay[row * kvHeads + h]!));
  }
  for (let d = 0; d < dk; d++) {
    const g = gate[d]!;
    const base = d * dv;
    for (let m = 0; m < dv; m++) s[base + m] = s[base + m]! * g;
  }
}

/** u <- beta_t * (u - S^T k'), k' = erase_gate * k when the erase gate is given. */
function correctDelta(
  p: LinearAttentionProblem,
  s: Float64Array,
  row: number,
  h: number,
  kOff: number,
  u: Float64Array,
): void {
  const { dk, dv, k } = p;
  for (let d = 0; d < dk; d++) {
    const kd = p.erase ? p.erase[kOff + d]! * k[kOff + d]! : k[kOff + d]!;
    if (kd === 0) continue;
    const base = d * dv;
    for (let m = 0; m < dv; m++) u[m] = u[m]! - kd * s[base + m]!;
  }
  const beta = p.beta![row * p.betaWidth + (p.betaWidth === 1 ? 0 : h)]!;
  for (let m = 0; m < dv; m++) u[m] = u[m]! * beta;
}
