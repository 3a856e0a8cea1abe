import { defineOp } from '../op.js';
import { activate, directionActivations } from './rnn-activations.js';
import {
  directionWeights,
  inferRnn,
  matVec,
  rnnAttrs,
  rnnOutputs,
  rnnProblem,
  runRecurrence,
} from './rnn-common.js';

/** RNN (opsets 7-22): Ht = f(Xt W^T + Ht-1 R^T + Wb + Rb), f = Tanh unless `activations` says otherwise. */
export const rnn = defineOp({
  type: 'RNN',
  attrs: rnnAttrs,
  arity: { inputs: [3, 6], outputs: [0, 2] },
  infer: (ctx) => inferRnn(ctx, 'RNN', 1),
  reference(inputs, attrs, outputCount) {
    const p = rnnProblem(inputs, attrs, 'RNN', 1);
    const H = p.hidden;
    const acts = directionActivations(
      attrs.activations,
      attrs.activation_alpha,
      attrs.activation_beta,
      ['Tanh'],
      p.dirs,
    );
    const weights = [0, 1].slice(0, p.dirs).map((d) => directionWeights(inputs, d, H, p, 'RNN'));
    const a = new Float64Array(H);
    const result = runRecurrence(p, (d, x, xOff, h) => {
      const { w, r, wb, rb } = weights[d]!;
      for (let i = 0; i < H; i++) a[i] = wb[i]! + rb[i]!;
      matVec(a, 0, w, 0, H, p.inputSize, x, xOff);
      matVec(a, 0, r, 0, H, H, h, 0);
      activate(acts[d]![0]!, a, 0, H, p.clip);
      h.set(a);
    });
    return rnnOutputs(p, result, outputCount);
  },
});
