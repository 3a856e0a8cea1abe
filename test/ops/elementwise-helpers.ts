import type { DType } from '../../src/ir/dtype.js';
import type { TensorType } from '../../src/ir/shape.js';
import { fromNumbers, toNumbers, type Tensor } from '../../src/ir/tensor.js';
import { elementwiseOps } from '../../src/ops/elementwise/index.js';
import type { AnyOpDef } from '../../src/ops/op.js';

/** Shared by the elementwise-*.test.ts files: run or infer one op of this family by type name. */
export function op(type: string): AnyOpDef {
  const def = elementwiseOps.find((d) => d.type === type);
  if (!def) throw new Error(`no op ${type}`);
  return def;
}

type AttrOverrides = Record<string, unknown>;

function withDefaults(def: AnyOpDef, attrs: AttrOverrides): never {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(def.attrs)) out[name] = spec.default;
  return { ...out, ...attrs } as never;
}

/** The single output of an op. */
export function run(
  type: string,
  inputs: readonly (Tensor | undefined)[],
  attrs: AttrOverrides = {},
): Tensor {
  const def = op(type);
  return def.reference(inputs, withDefaults(def, attrs), 1)[0]!;
}

/** Infers with constants: a Tensor input is both typed and constant, a TensorType is typed only. */
export function infer(
  type: string,
  inputs: readonly (Tensor | TensorType | undefined)[],
  attrs: AttrOverrides = {},
): TensorType {
  const def = op(type);
  const types = inputs.map((x) => x && { dtype: x.dtype, shape: x.shape });
  const constants = inputs.map((x) => (x && 'data' in x ? x : undefined));
  return def.infer({ inputs: types, constants, attrs: withDefaults(def, attrs), outputCount: 1 })[0]!;
}

export function t(
  dtype: DType,
  shape: readonly number[],
  values: ArrayLike<number | bigint | boolean>,
): Tensor {
  return fromNumbers(dtype, shape, values);
}

/** A 1-D tensor of the given values. */
export const vec = (dtype: DType, ...values: (number | bigint | boolean)[]): Tensor =>
  t(dtype, [values.length], values);
export const f32 = (...values: number[]): Tensor => vec('float32', ...values);

/** Element values as numbers (halves decoded), or as bigints for int64/uint64. */
export function values(x: Tensor): number[] {
  return toNumbers(x);
}

export function bigints(x: Tensor): bigint[] {
  return Array.from(x.data as BigInt64Array);
}

/** Float results compared to 6 significant digits. */
export function near(actual: readonly number[], expected: readonly number[], tol = 1e-6): boolean {
  return (
    actual.length === expected.length &&
    actual.every((a, i) => {
      const e = expected[i]!;
      return Object.is(a, e) || Math.abs(a - e) <= tol * Math.max(1, Math.abs(e));
    })
  );
}
