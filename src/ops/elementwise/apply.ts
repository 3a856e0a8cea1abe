import { allocate, isBigInt, isFloat, isHalf, type DType, type TensorData } from '../../ir/dtype.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { decodeFloats, encodeFloats, floatBuffer } from '../support/float.js';
import { OpUnsupported } from '../op.js';
import { map1, map2, planWalk, type Readable, type Writable } from './walk.js';

/**
 * Scalar functions of an elementwise op, one per storage domain. Floats (halves decoded) use `num`;
 * number-backed integers and bool use `int`, else `num`; int64/uint64 use `big`. Results are stored in
 * the output's typed array, so integer results wrap like their dtype and float results round once.
 * `big` returns a number when the output is bool.
 */
export interface UnaryKernel {
  readonly num: (x: number) => number;
  readonly int?: (x: number) => number;
  readonly big?: (x: bigint) => bigint | number;
}

export interface BinaryKernel {
  readonly num: (x: number, y: number) => number;
  readonly int?: (x: number, y: number) => number;
  readonly big?: (x: bigint, y: bigint) => bigint | number;
}

function noBigint(op: string, dtype: DType): never {
  throw new OpUnsupported(`${op} is not implemented for ${dtype}`);
}

/** y = f(x), output dtype `outDtype` (the input's, or bool for predicates). */
export function unary(op: string, x: Tensor, outDtype: DType, k: UnaryKernel): Tensor {
  const n = x.data.length;
  if (isBigInt(x.dtype)) {
    if (!k.big) noBigint(op, x.dtype);
    const out = allocate(outDtype, n);
    map1(x.data as Readable<bigint>, out as Writable<bigint | number>, k.big);
    return tensor(outDtype, x.shape, out);
  }
  if (isFloat(x.dtype)) {
    const xs = decodeFloats(x);
    if (isHalf(outDtype)) {
      const buf = floatBuffer(outDtype, n);
      map1(xs, buf, k.num);
      return encodeFloats(outDtype, x.shape, buf);
    }
    const out = allocate(outDtype, n) as Writable<number>;
    map1(xs, out, k.num);
    return tensor(outDtype, x.shape, out as TensorData);
  }
  const out = allocate(outDtype, n) as Writable<number>;
  map1(x.data as Readable<number>, out, k.int ?? k.num);
  return tensor(outDtype, x.shape, out as TensorData);
}

/**
 * z = f(x, y) with numpy broadcasting. Both inputs share one dtype (the op's infer checks that);
 * the output is that dtype or bool.
 */
export function binary(op: string, a: Tensor, b: Tensor, outDtype: DType, k: BinaryKernel): Tensor {
  const w = planWalk([a.shape, b.shape]);
  if (isBigInt(a.dtype)) {
    if (!k.big) noBigint(op, a.dtype);
    const out = allocate(outDtype, w.size);
    map2(a.data as Readable<bigint>, b.data as Readable<bigint>, out as Writable<bigint | number>, w, k.big);
    return tensor(outDtype, w.shape, out);
  }
  if (isFloat(a.dtype)) {
    const xa = decodeFloats(a);
    const xb = decodeFloats(b);
    if (isHalf(outDtype)) {
      const buf = floatBuffer(outDtype, w.size);
      map2(xa, xb, buf, w, k.num);
      return encodeFloats(outDtype, w.shape, buf);
    }
    const out = allocate(outDtype, w.size) as Writable<number>;
    map2(xa, xb, out, w, k.num);
    return tensor(outDtype, w.shape, out as TensorData);
  }
  const out = allocate(outDtype, w.size) as Writable<number>;
  map2(a.data as Readable<number>, b.data as Readable<number>, out, w, k.int ?? k.num);
  return tensor(outDtype, w.shape, out as TensorData);
}
