import { isBigInt } from '../../ir/dtype.js';
import { sizeOf } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { input } from '../support/infer.js';
import { cloneData, slots } from './copy.js';

export const Trilu = defineOp({
  type: 'Trilu',
  attrs: { upper: attr.int(1) },
  arity: { inputs: [1, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    if (x.shape && x.shape.length < 2) throw new OpError('Trilu input must have rank >= 2');
    return [x];
  },
  reference([x, kTensor], attrs) {
    if (!x || x.shape.length < 2) throw new OpError('Trilu input must have rank >= 2');
    const k = kTensor ? Number(kTensor.data[0]) : 0;
    const rank = x.shape.length;
    const rows = x.shape[rank - 2]!;
    const cols = x.shape[rank - 1]!;
    const out = cloneData(x);
    const o = slots(out.data);
    const zero = (isBigInt(x.dtype) ? 0n : 0) as number;
    const matrices = sizeOf(x.shape.slice(0, -2));
    for (let m = 0; m < matrices; m++) {
      for (let i = 0; i < rows; i++) {
        const row = (m * rows + i) * cols;
        // upper keeps j >= i + k, lower keeps j <= i + k; k may push the bound off either edge
        const [from, to] = attrs.upper
          ? [0, Math.min(cols, Math.max(0, i + k))]
          : [Math.min(cols, Math.max(0, i + k + 1)), cols];
        if (to > from) o.fill(zero, row + from, row + to);
      }
    }
    return [out];
  },
});
