import type { DType } from '../../ir/dtype.js';
import type { TensorType } from '../../ir/shape.js';
import { OpError, type InferContext } from '../op.js';

export function input(ctx: InferContext<unknown>, i: number): TensorType {
  const t = ctx.inputs[i];
  if (!t) throw new OpError(`input ${i} is required`);
  return t;
}

export function rankOf(t: TensorType, what = 'input'): number {
  if (!t.shape) throw new OpError(`${what} has unknown rank`);
  return t.shape.length;
}

/** Output type equal to input i's type (elementwise unary ops, activations). */
export function sameAs(ctx: InferContext<unknown>, i = 0): TensorType[] {
  return [input(ctx, i)];
}

export function withDtype(t: TensorType, dtype: DType): TensorType {
  return { dtype, shape: t.shape };
}

/** A constant input's values as numbers, or undefined when it is not a compile-time constant. */
export function constantNumbers(ctx: InferContext<unknown>, i: number): number[] | undefined {
  const c = ctx.constants[i];
  if (!c) return undefined;
  const out: number[] = [];
  for (let k = 0; k < c.data.length; k++) out.push(Number(c.data[k]));
  return out;
}
