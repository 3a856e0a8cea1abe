import { defineOp } from '../op.js';
import { activate } from './rnn-activations.js';
import { gateInputs, inferRnn, rnnAttrs, rnnSetup, runRecurrence, type RnnCell } from './rnn-common.js';

const cell: RnnCell = { op: 'RNN', gates: 1, activations: ['Tanh'] };

/** RNN (opsets 7-22): Ht = f(Xt W^T + Ht-1 R^T + Wb + Rb), f = Tanh unless `activations` says otherwise. */
export const rnn = defineOp({
  type: cell.op,
  attrs: rnnAttrs,
  arity: { inputs: [3, 6], outputs: [0, 2] },
  infer: (ctx) => inferRnn(ctx, cell),
  reference(inputs, attrs, outputCount) {
    const { p, acts, weights } = rnnSetup(inputs, attrs, cell);
    const H = p.hidden;
    const a = new Float64Array(H);
    return runRecurrence(p, outputCount, (d, x, xOff, h) => {
      gateInputs(a, weights[d]!, H, p, x, xOff, h);
      activate(acts[d]![0]!, a, 0, H, p.clip);
      h.set(a);
    });
  },
});
