import { isBigInt } from '../../ir/dtype.js';
import { freshDim } from '../../ir/shape.js';
import { getNumber, type Tensor } from '../../ir/tensor.js';
import { defineOp, OpError } from '../op.js';
import { encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';

/** max(ceil((limit - start) / delta), 0), exactly for int64. */
function rangeLength(start: Tensor, limit: Tensor, delta: Tensor): number {
  if (isBigInt(start.dtype)) {
    const [s, l, d] = [start, limit, delta].map((t) => BigInt(t.data[0]!)) as [bigint, bigint, bigint];
    if (d === 0n) throw new OpError('Range delta cannot be 0');
    const span = l - s;
    // bigint division truncates; ceil differs from it when the signs agree and there is a remainder
    let n = span / d;
    if (span % d !== 0n && span > 0n === d > 0n) n += 1n;
    return n > 0n ? Number(n) : 0;
  }
  const [s, l, d] = [start, limit, delta].map((t) => getNumber(t, 0)) as [number, number, number];
  if (d === 0) throw new OpError('Range delta cannot be 0');
  return Math.max(Math.ceil((l - s) / d), 0);
}

function scalars(ts: readonly (Tensor | undefined)[]): [Tensor, Tensor, Tensor] {
  const [s, l, d] = ts;
  if (!s || !l || !d) throw new OpError('Range needs start, limit and delta');
  if (s.dtype === 'bool') throw new OpError('Range does not take bool');
  if (s.data.length !== 1 || l.data.length !== 1 || d.data.length !== 1)
    throw new OpError('Range inputs must be scalars');
  return [s, l, d];
}

export const Range = defineOp({
  type: 'Range',
  attrs: {},
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer(ctx) {
    const dtype = input(ctx, 0).dtype;
    const known = ctx.constants[0] && ctx.constants[1] && ctx.constants[2];
    return [{ dtype, shape: [known ? rangeLength(...scalars(ctx.constants)) : freshDim('range')] }];
  },
  reference(inputs) {
    const [start, limit, delta] = scalars(inputs);
    const n = rangeLength(start, limit, delta);
    if (isBigInt(start.dtype)) {
      const s = BigInt(start.data[0]!);
      const d = BigInt(delta.data[0]!);
      const data = start.dtype === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
      for (let i = 0; i < n; i++) data[i] = s + BigInt(i) * d;
      return [{ dtype: start.dtype, shape: [n], data } as Tensor];
    }
    // output[i] = start + i * delta (the spec's formula, not repeated addition), rounded once to the dtype
    const s = getNumber(start, 0);
    const d = getNumber(delta, 0);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = s + i * d;
    return [encodeFloats(start.dtype, [n], values)];
  },
});
