import type { DType } from '../../ir/dtype.js';
import type { Shape, TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { broadcastOrFail } from '../support/broadcast.js';
import { input } from '../support/infer.js';
import { OpError, type InferContext } from '../op.js';

/** The dtype sets the ONNX elementwise type constraints use, restricted to ours. */
export const FLOATS: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float64'];
export const SIGNED_INTS: readonly DType[] = ['int8', 'int16', 'int32', 'int64'];
export const UNSIGNED_INTS: readonly DType[] = ['uint8', 'uint16', 'uint32', 'uint64'];
export const INTS: readonly DType[] = [...SIGNED_INTS, ...UNSIGNED_INTS];
export const SIGNED: readonly DType[] = [...FLOATS, ...SIGNED_INTS];
export const NUMERIC: readonly DType[] = [...FLOATS, ...INTS];
export const ALL: readonly DType[] = [...NUMERIC, 'bool'];
export const BOOL: readonly DType[] = ['bool'];

export function checkDtype(op: string, dtype: DType, allowed: readonly DType[], what = 'input'): void {
  if (!allowed.includes(dtype)) {
    throw new OpError(`${op} does not accept ${dtype} ${what}s (allowed: ${allowed.join(', ')})`);
  }
}

/** The same dtype on every given input, as ONNX's shared type variable T requires. */
export function sharedDtype(op: string, types: readonly (TensorType | Tensor | undefined)[]): DType {
  let dtype: DType | undefined;
  for (const t of types) {
    if (!t) continue;
    if (dtype !== undefined && t.dtype !== dtype) {
      throw new OpError(`${op} inputs must share one dtype, found ${dtype} and ${t.dtype}`);
    }
    dtype = t.dtype;
  }
  if (dtype === undefined) throw new OpError(`${op} needs at least one input`);
  return dtype;
}

/** The numpy broadcast of the given inputs' shapes; unknown when any rank is unknown. */
export function broadcastTypes(types: readonly (TensorType | undefined)[]): Shape | undefined {
  const shapes: Shape[] = [];
  for (const t of types) {
    if (!t) continue;
    if (!t.shape) return undefined;
    shapes.push(t.shape);
  }
  return broadcastOrFail(shapes);
}

/** Infer for one-input ops whose output has the input's shape, and its dtype unless `out` is given. */
export function inferUnary(op: string, allowed: readonly DType[], out?: DType) {
  return (ctx: InferContext<unknown>): TensorType[] => {
    const x = input(ctx, 0);
    checkDtype(op, x.dtype, allowed);
    return [{ dtype: out ?? x.dtype, shape: x.shape }];
  };
}

/** Internal attribute of binary ops: the `axis` of opset < 7 `broadcast=1` (absent: numpy broadcasting). */
export const LEGACY_AXIS = attr.int();

/**
 * Before opset 7, `broadcast=1 axis=k` matched B's dims against A's starting at dim k (Caffe2 style,
 * e.g. a [C] bias on [N,C,H,W] at axis 1). Trailing 1s turn that into numpy broadcasting.
 */
export function legacyAlign<S extends Shape>(a: S, b: S, axis: number | undefined): S {
  if (axis === undefined) return b;
  const start = axis < 0 ? axis + a.length : axis;
  const pad = a.length - start - b.length;
  return pad > 0 ? ([...b, ...new Array<number>(pad).fill(1)] as unknown as S) : b;
}

/** A reference input that the op requires. */
export function required(inputs: readonly (Tensor | undefined)[], i: number, op: string): Tensor {
  const t = inputs[i];
  if (!t) throw new OpError(`${op}: input ${i} is required`);
  return t;
}
