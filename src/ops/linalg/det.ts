import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { floatResult } from './float-io.js';

/** Determinant of the trailing [M, M] matrices, by LU with partial pivoting in float64. */
function determinant(a: Float64Array, n: number): number {
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    const pivot = a[p * n + c]!;
    if (pivot === 0) return 0;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = a[c * n + k]!;
        a[c * n + k] = a[p * n + k]!;
        a[p * n + k] = t;
      }
      det = -det;
    }
    det *= pivot;
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / pivot;
      if (f === 0) continue;
      for (let k = c + 1; k < n; k++) a[r * n + k] -= f * a[c * n + k]!;
    }
  }
  return det;
}

export const det = defineOp({
  type: 'Det',
  attrs: {},
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    if (!x.shape) return [x];
    const r = x.shape.length;
    if (r < 2) throw new OpError('Det needs an input of rank >= 2');
    const [m, n] = [x.shape[r - 2]!, x.shape[r - 1]!];
    if (typeof m === 'number' && typeof n === 'number' && m !== n)
      throw new OpError(`Det of non-square [${m}, ${n}] matrices`);
    return [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }];
  },
  reference([x]) {
    if (!x) throw new OpError('Det needs X');
    const r = x.shape.length;
    const n = x.shape[r - 1]!;
    if (r < 2 || x.shape[r - 2] !== n) throw new OpError(`Det of non-square matrices [${x.shape}]`);
    const v = decodeFloats(x);
    const count = n === 0 ? x.shape.slice(0, -2).reduce((a, b) => a * b, 1) : v.length / (n * n);
    const out = new Float64Array(count);
    for (let b = 0; b < count; b++)
      out[b] = determinant(Float64Array.from(v.subarray(b * n * n, (b + 1) * n * n)), n);
    return [floatResult(x.dtype, x.shape.slice(0, -2), out)];
  },
});
