import { allocate, integerRange, type DType } from '../../ir/dtype.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { OpError, OpUnsupported } from '../op.js';
import { broadcastIndex } from '../support/broadcast.js';

export { dtypeOfCode } from '../support/dtype-codes.js';

export const QUANTIZED_DTYPES: readonly DType[] = ['uint8', 'int8', 'uint16', 'int16', 'int32'];

export function checkQuantized(dtype: DType, op: string): void {
  if (!QUANTIZED_DTYPES.includes(dtype)) throw new OpUnsupported(`${op} to/from ${dtype}`);
}

/** Round half to even (the spec's rounding for every quantizing op). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Round half to even, add the zero point, clamp to the dtype, store. */
export function quantizeInto(
  values: ArrayLike<number>,
  dtype: DType,
  zeroPoint: (i: number) => number,
  shape: readonly number[],
): Tensor {
  const [lo, hi] = integerRange(dtype).map(Number) as [number, number];
  const data = allocate(dtype, values.length) as Int32Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // NaN quantizes to the zero point clamp of 0 (as onnxruntime does)
    const q = v !== v ? zeroPoint(i) : roundHalfEven(v) + zeroPoint(i);
    data[i] = q < lo ? lo : q > hi ? hi : q;
  }
  return { dtype, shape: [...shape], data } as Tensor;
}

/**
 * For each element of x, the index of its scale / zero point: a scalar param is per-tensor, a 1-D
 * one per-axis along `axis`, one of x's rank with ceil(x[axis] / blockSize) along axis is blocked.
 */
export function paramIndex(
  xShape: readonly number[],
  paramShape: readonly number[],
  axis: number,
  blockSize: number,
): Int32Array {
  const n = sizeOf(xShape);
  const count = sizeOf(paramShape);
  if (count === 1 && paramShape.length <= 1 && blockSize === 0) return new Int32Array(n);
  const rank = xShape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank) throw new OpError(`quantization axis ${axis} is out of range for rank ${rank}`);
  const A = xShape[ax]!;
  const inner = sizeOf(xShape.slice(ax + 1));
  const out = new Int32Array(n);
  if (paramShape.length === 1 && blockSize === 0) {
    if (paramShape[0] !== A)
      throw new OpError(`per-axis params of length ${paramShape[0]} for axis of size ${A}`);
    for (let i = 0; i < n; i++) out[i] = Math.floor(i / inner) % A;
    return out;
  }
  if (blockSize <= 0 || paramShape.length !== rank)
    throw new OpError(`params [${paramShape}] do not fit input [${xShape}]`);
  const Ab = Math.ceil(A / blockSize);
  if (paramShape.some((d, k) => (k === ax ? d !== Ab : d !== xShape[k]))) {
    throw new OpError(
      `blocked params [${paramShape}] do not fit input [${xShape}] with block ${blockSize} on axis ${ax}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const inn = i % inner;
    const a = Math.floor(i / inner) % A;
    const o = Math.floor(i / (inner * A));
    out[i] = (o * Ab + Math.floor(a / blockSize)) * inner + inn;
  }
  return out;
}

/**
 * Zero point / scale broadcasting of MatMulInteger and QLinearMatMul: a 1-D param of the left
 * operand is per row ([M] -> [M, 1]); of the right operand per column; otherwise numpy rules.
 */
export function matmulParamIndex(
  xShape: readonly number[],
  param: Tensor | undefined,
  side: 'a' | 'b',
): Int32Array {
  const n = sizeOf(xShape);
  if (!param || param.data.length === 1) return new Int32Array(n);
  const shape = param.shape.length === 1 && side === 'a' ? [param.shape[0]!, 1] : param.shape;
  return broadcastIndex(xShape, shape);
}

/** Integer values of a tensor as float64 (exact), minus per-element zero points. */
export function shifted(x: Tensor, zp: Tensor | undefined, index: Int32Array): Float64Array {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(x.data[i]) - (zp ? Number(zp.data[index[i]!]) : 0);
  return out;
}
