import { defineOp } from '../op.js';
import { attr } from '../attributes.js';
import { activate, type Activation } from './rnn-activations.js';
import {
  gateInputs,
  inferRnn,
  matVec,
  rnnAttrs,
  rnnSetup,
  runRecurrence,
  type RnnCell,
} from './rnn-common.js';

const cell: RnnCell = { op: 'GRU', gates: 3, activations: ['Sigmoid', 'Tanh'] };

/**
 * GRU (opsets 7-22), gate blocks z, r, h in W, R and B:
 *   zt = f(Xt Wz^T + Ht-1 Rz^T + Wbz + Rbz),  rt = f(Xt Wr^T + Ht-1 Rr^T + Wbr + Rbr)
 *   ht = g(Xt Wh^T + (rt . Ht-1) Rh^T + Rbh + Wbh)          linear_before_reset = 0
 *   ht = g(Xt Wh^T + rt . (Ht-1 Rh^T + Rbh) + Wbh)          linear_before_reset != 0
 *   Ht = (1 - zt) . ht + zt . Ht-1
 */
export const gru = defineOp({
  type: cell.op,
  attrs: { ...rnnAttrs, linear_before_reset: attr.int(0) },
  arity: { inputs: [3, 6], outputs: [0, 2] },
  infer: (ctx) => inferRnn(ctx, cell),
  reference(inputs, attrs, outputCount) {
    const { p, acts, weights } = rnnSetup(inputs, attrs, cell);
    const H = p.hidden;
    const lbr = attrs.linear_before_reset !== 0;
    const zr = new Float64Array(2 * H);
    const hh = new Float64Array(H);
    const rh = new Float64Array(H);
    return runRecurrence(p, outputCount, (d, x, xOff, h) => {
      const dw = weights[d]!;
      const { w, r, wb, rb } = dw;
      const [f, g] = acts[d] as [Activation, Activation];
      gateInputs(zr, dw, 2 * H, p, x, xOff, h);
      activate(f, zr, 0, 2 * H, p.clip);
      for (let i = 0; i < H; i++) hh[i] = wb[2 * H + i]!;
      matVec(hh, 0, w, 2 * H, H, p.inputSize, x, xOff);
      if (lbr) {
        for (let i = 0; i < H; i++) rh[i] = rb[2 * H + i]!;
        matVec(rh, 0, r, 2 * H, H, H, h, 0);
        for (let i = 0; i < H; i++) hh[i]! += zr[H + i]! * rh[i]!;
      } else {
        for (let i = 0; i < H; i++) {
          rh[i] = zr[H + i]! * h[i]!;
          hh[i]! += rb[2 * H + i]!;
        }
        matVec(hh, 0, r, 2 * H, H, H, rh, 0);
      }
      activate(g, hh, 0, H, p.clip);
      for (let i = 0; i < H; i++) h[i] = (1 - zr[i]!) * hh[i]! + zr[i]! * h[i]!;
    });
  },
});
