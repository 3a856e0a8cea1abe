import { defineOp, OpError } from '../op.js';
import { attr } from '../attributes.js';
import { decodeFloats } from '../support/float.js';
import { activate, type Activation } from './rnn-activations.js';
import { gateInputs, inferRnn, rnnAttrs, rnnSetup, runRecurrence, type RnnCell } from './rnn-common.js';

const cell: RnnCell = { op: 'LSTM', gates: 4, activations: ['Sigmoid', 'Tanh', 'Tanh'] };

/**
 * LSTM (opsets 7-22), gate blocks i, o, f, c in W, R and B; peepholes P = [Pi, Po, Pf]:
 *   it = f(Xt Wi^T + Ht-1 Ri^T + Pi . Ct-1 + Wbi + Rbi)
 *   ft = f(Xt Wf^T + Ht-1 Rf^T + Pf . Ct-1 + Wbf + Rbf)     (1 - it with input_forget)
 *   ct = g(Xt Wc^T + Ht-1 Rc^T + Wbc + Rbc),  Ct = ft . Ct-1 + it . ct
 *   ot = f(Xt Wo^T + Ht-1 Ro^T + Po . Ct + Wbo + Rbo),  Ht = ot . h(Ct)
 * clip bounds every gate's pre-activation, not the cell state.
 */
export const lstm = defineOp({
  type: cell.op,
  attrs: { ...rnnAttrs, input_forget: attr.int(0) },
  arity: { inputs: [3, 8], outputs: [0, 3] },
  infer: (ctx) => inferRnn(ctx, cell),
  reference(inputs, attrs, outputCount) {
    const { p, acts, weights } = rnnSetup(inputs, attrs, cell);
    const H = p.hidden;
    const pT = inputs[7];
    if (pT && pT.shape.join() !== [p.dirs, 3 * H].join())
      throw new OpError(`LSTM P has shape [${pT.shape}], expected [${p.dirs}, ${3 * H}]`);
    const peep = pT ? decodeFloats(pT) : new Float64Array(p.dirs * 3 * H);
    const coupled = attrs.input_forget !== 0;
    const gates = new Float64Array(4 * H);
    const [I, O, F, C] = [0, H, 2 * H, 3 * H];
    return runRecurrence(p, outputCount, (d, x, xOff, h, c) => {
      const [f, g, hAct] = acts[d] as [Activation, Activation, Activation];
      const pOff = d * 3 * H;
      gateInputs(gates, weights[d]!, 4 * H, p, x, xOff, h);
      for (let i = 0; i < H; i++) {
        gates[I + i]! += peep[pOff + i]! * c[i]!;
        gates[F + i]! += peep[pOff + 2 * H + i]! * c[i]!;
      }
      activate(f, gates, I, H, p.clip);
      if (coupled) for (let i = 0; i < H; i++) gates[F + i] = 1 - gates[I + i]!;
      else activate(f, gates, F, H, p.clip);
      activate(g, gates, C, H, p.clip);
      for (let i = 0; i < H; i++) {
        c[i] = gates[F + i]! * c[i]! + gates[I + i]! * gates[C + i]!;
        gates[O + i]! += peep[pOff + H + i]! * c[i]!;
      }
      activate(f, gates, O, H, p.clip);
      h.set(c);
      activate(hAct, h, 0, H, 0);
      for (let i = 0; i < H; i++) h[i] = gates[O + i]! * h[i]!;
    });
  },
});
