import type { DType } from '../../src/ir/dtype.js';
import type { TensorType } from '../../src/ir/shape.js';
import { fromNumbers, toNumbers, type Tensor } from '../../src/ir/tensor.js';
import { movementOps } from '../../src/ops/movement/index.js';
import type { AnyOpDef } from '../../src/ops/op.js';

/** Shared by the movement-*.test.ts files: run or infer one op of this family by type name. */
export function op(type: string): AnyOpDef {
  const def = movementOps.find((d) => d.type === type);
  if (!def) throw new Error(`no op ${type}`);
  return def;
}

type AttrOverrides = Record<string, unknown>;

function withDefaults(def: AnyOpDef, attrs: AttrOverrides): never {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(def.attrs)) out[name] = spec.default;
  return { ...out, ...attrs } as never;
}

export function run(
  type: string,
  inputs: readonly (Tensor | undefined)[],
  attrs: AttrOverrides = {},
  outputCount = 1,
): Tensor[] {
  const def = op(type);
  return def.reference(inputs, withDefaults(def, attrs), outputCount);
}

/** The single output of an op. */
export function run1(
  type: string,
  inputs: readonly (Tensor | undefined)[],
  attrs: AttrOverrides = {},
): Tensor {
  return run(type, inputs, attrs)[0]!;
}

/** Infers with constants: a Tensor input is both typed and constant, a TensorType is typed only. */
export function infer(
  type: string,
  inputs: readonly (Tensor | TensorType | undefined)[],
  attrs: AttrOverrides = {},
  outputCount = 1,
): TensorType[] {
  const def = op(type);
  const types = inputs.map((x) => x && { dtype: x.dtype, shape: x.shape });
  const constants = inputs.map((x) => (x && 'data' in x ? x : undefined));
  return def.infer({ inputs: types, constants, attrs: withDefaults(def, attrs), outputCount });
}

export function shapeOfInfer(
  type: string,
  inputs: readonly (Tensor | TensorType | undefined)[],
  attrs: AttrOverrides = {},
): TensorType['shape'] {
  return infer(type, inputs, attrs)[0]!.shape;
}

export function t(
  dtype: DType,
  shape: readonly number[],
  values: ArrayLike<number | bigint | boolean>,
): Tensor {
  return fromNumbers(dtype, shape, values);
}

export const f32 = (shape: readonly number[], values: ArrayLike<number>): Tensor =>
  t('float32', shape, values);
export const i64 = (shape: readonly number[], values: ArrayLike<number | bigint>): Tensor =>
  t('int64', shape, values);
export const ints = (...values: number[]): Tensor => i64([values.length], values);

/** 0, 1, 2, ... in the given shape. */
export function iota(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return t(
    dtype,
    shape,
    Array.from({ length: n }, (_, i) => i),
  );
}

export const values = (x: Tensor): number[] => toNumbers(x);

/** Symbols are fresh names; tests only ask whether a dim is a symbol. */
export const isSymbol = (d: unknown): boolean => typeof d === 'string';

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);
