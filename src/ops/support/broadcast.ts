import { broadcastShapes, type Dim, type Shape } from '../../ir/shape.js';
import { stridesOf } from '../../ir/tensor.js';
import { OpError } from '../op.js';

export function broadcastOrFail(shapes: readonly Shape[]): Dim[] {
  const r = broadcastShapes(shapes);
  if ('error' in r) throw new OpError(r.error);
  return r;
}

export function broadcastStatic(shapes: readonly (readonly number[])[]): number[] {
  return broadcastOrFail(shapes) as number[];
}

/**
 * For each element of the broadcast output, the flat index into an input of shape `inShape`.
 * Returned as a typed array so elementwise reference kernels are one tight loop.
 */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  // stride 0 along broadcast dims; inputs of lower rank align to the right
  const strides = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const o = rank - inShape.length + i;
    strides[o] = inShape[i] === 1 && outShape[o] !== 1 ? 0 : inStrides[i]!;
  }
  let n = 1;
  for (const d of outShape) n *= d;
  const out = new Int32Array(n);
  if (n === 0) return out;
  const idx = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let k = 0; k < n; k++) {
    out[k] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      flat += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      flat -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

export function isSameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
