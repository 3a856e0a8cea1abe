import { load, store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import type { Activation } from '../../../ops/recurrent/rnn-activations.js';
import type { Lowered, LowerContext } from '../lowering.js';
import { gate } from './activations.js';
import { matrix } from './common.js';
import { planRnn, type RnnPlan } from './rnn-plan.js';
import {
  batchRows,
  hIndex,
  hiddenLoop,
  hState,
  recurrence,
  rowAt,
  rowIndex,
  stepGemm,
  storeOutputs,
  xwAt,
  zeroY,
} from './rnn-steps.js';

/**
 * GRU, gate blocks z, r, h (src/ops/recurrent/gru.ts):
 *   zt = f(Xt Wz^T + Ht-1 Rz^T + Wbz + Rbz),  rt = f(Xt Wr^T + Ht-1 Rr^T + Wbr + Rbr)
 *   ht = g(Xt Wh^T + (rt . Ht-1) Rh^T + Rbh + Wbh)          linear_before_reset = 0
 *   ht = g(Xt Wh^T + rt . (Ht-1 Rh^T + Rbh) + Wbh)          linear_before_reset != 0
 *   Ht = (1 - zt) . ht + zt . Ht-1
 * With linear_before_reset the step GEMM covers all three blocks and adds Rbh to the h block
 * before the reset gate scales it. Without, the h block's product needs r first: a first pass
 * leaves z and r . Ht-1 in the step buffer, and a second GEMM multiplies r . Ht-1 by Rh^T.
 */
export function lowerGru(ctx: LowerContext): Lowered {
  const lbr = (ctx.attrs as { linear_before_reset?: number }).linear_before_reset !== 0;
  const spec = { op: 'GRU', gates: 3, defaults: ['Sigmoid', 'Tanh'] } as const;
  const { plan: p, pre, post } = planRnn(ctx, spec, lbr ? [2] : []);
  const rec = lbr ? recurrence(p, '_lbr', linearBeforeReset(p)) : recurrence(p, '', resetFirst(p));
  return { kernels: [...pre, rec, ...post] };
}

/** (1 - z) hh + z Ht-1. */
function update(p: RnnPlan, d: number, b: string, j: string, z: Expr, hh: Expr): Expr {
  const n = p.n;
  return n.add(n.mul(n.sub(n.c(1), z), hh), n.mul(z, load(p.h, p.cdt, hIndex(p, d, b, j))));
}

function linearBeforeReset(p: RnnPlan): (d: number, i: string) => Stmt[] {
  const { H, n, clip } = p;
  const g = p.ctx.scratch(p.cdt, p.B * 3 * H, 'gru_g');
  return (d, i) => {
    const [f, gAct] = p.acts[d] as [Activation, Activation];
    const bias = p.recBias ? { buffer: p.recBias, offset: d * 3 * H } : undefined;
    const gAt = (b: string, j: string, block: number): Expr => rowAt(p, g, b, 3 * H, block * H, j);
    return [
      ...stepGemm(p, d, hState(p, d), 0, 3 * H, matrix(g, 0, 3 * H), bias),
      batchRows(
        p,
        d,
        i,
        (b, t) => [
          hiddenLoop(p, (j, s) => {
            const z = gate(f, n, s, n.add(xwAt(p, d, t, b, j, 0), gAt(b, j, 0)), clip);
            const r = gate(f, n, s, n.add(xwAt(p, d, t, b, j, 1), gAt(b, j, 1)), clip);
            const hh = gate(gAct, n, s, n.add(xwAt(p, d, t, b, j, 2), n.mul(r, gAt(b, j, 2))), clip);
            return storeOutputs(p, d, t, b, j, s.let(update(p, d, b, j, z, hh)));
          }),
        ],
        zeroY(p, d),
      ),
    ];
  };
}

function resetFirst(p: RnnPlan): (d: number, i: string) => Stmt[] {
  const { H, n, clip, cdt } = p;
  // [B, 2H]: the z and r blocks of Ht-1 R^T, then z and r . Ht-1 in their place
  const g = p.ctx.scratch(cdt, p.B * 2 * H, 'gru_g');
  const rh = p.ctx.scratch(cdt, p.B * H, 'gru_rh');
  return (d, i) => {
    const [f, gAct] = p.acts[d] as [Activation, Activation];
    const hPrev = (b: string, j: string): Expr => load(p.h, cdt, hIndex(p, d, b, j));
    return [
      ...stepGemm(p, d, hState(p, d), 0, 2 * H, matrix(g, 0, 2 * H)),
      batchRows(p, d, i, (b, t) => [
        hiddenLoop(p, (j, s) => {
          const z = gate(f, n, s, n.add(xwAt(p, d, t, b, j, 0), rowAt(p, g, b, 2 * H, 0, j)), clip);
          const r = gate(f, n, s, n.add(xwAt(p, d, t, b, j, 1), rowAt(p, g, b, 2 * H, H, j)), clip);
          return [
            store(g, cdt, rowIndex(b, 2 * H, 0, j), z),
            store(g, cdt, rowIndex(b, 2 * H, H, j), n.mul(r, hPrev(b, j))),
          ];
        }),
      ]),
      ...stepGemm(p, d, matrix(g, H, 2 * H), 2 * H, H, matrix(rh, 0, H)),
      batchRows(
        p,
        d,
        i,
        (b, t) => [
          hiddenLoop(p, (j, s) => {
            const hh = gate(gAct, n, s, n.add(xwAt(p, d, t, b, j, 2), rowAt(p, rh, b, H, 0, j)), clip);
            return storeOutputs(p, d, t, b, j, s.let(update(p, d, b, j, rowAt(p, g, b, 2 * H, 0, j), hh)));
          }),
        ],
        zeroY(p, d),
      ),
    ];
  };
}
