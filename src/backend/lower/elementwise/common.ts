import { sizeOf } from '../../../ir/tensor.js';
import type { DType } from '../../../ir/dtype.js';
import { computeType, isUnsignedDType } from '../../kernel/build.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import { operand, type Operand } from './map.js';
import { constantElement, Num, type Scope } from './scalar.js';

/** What an op's scalar formula sees besides its operands. */
export interface Env {
  /** Arithmetic in the compute type of the op's (first) input dtype, unsigned for uint dtypes. */
  readonly n: Num;
  readonly s: Scope;
  readonly dtype: DType;
  readonly attrs: Readonly<Record<string, unknown>>;
}

export function envOf(ctx: LowerContext, dtype: DType, s: Scope): Env {
  return { n: new Num(computeType(dtype), isUnsignedDType(dtype)), s, dtype, attrs: ctx.attrs };
}

/** A float or int attribute (schema defaults are already filled in). */
export function attrNumber(e: Env, name: string): number {
  const v = e.attrs[name];
  if (typeof v !== 'number') throw new LoweringUnsupported(`attribute ${name} is missing`);
  return v;
}

export function inputOf(ctx: LowerContext, i: number): LoweredValue {
  const v = ctx.inputs[i];
  if (!v) throw new LoweringUnsupported(`input ${i} is missing`);
  return v;
}

export function outputOf(ctx: LowerContext): LoweredValue {
  const v = ctx.outputs[0];
  if (!v) throw new LoweringUnsupported('output 0 is missing');
  return v;
}

/**
 * An operand for an input: a one-element constant becomes an immediate in the formula (no load, and
 * exact special cases like Pow(x, 2) can see it); anything else is read from its buffer.
 */
export function operandOf(
  v: LoweredValue,
  shape: readonly number[] = v.shape,
  loadAs: DType = v.dtype,
): Operand {
  if (v.constant && sizeOf(v.shape) === 1 && loadAs === v.dtype)
    return { value: constantElement(v.constant) };
  return operand(v, shape, loadAs === v.dtype ? undefined : loadAs);
}
