import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { Dim, TensorType } from '../../src/ir/shape.js';
import { fromNumbers, toNumbers, type Tensor } from '../../src/ir/tensor.js';
import { lookupOp } from '../../src/ops/all.js';
import type { AnyOpDef } from '../../src/ops/op.js';

/**
 * Drives any registered op by name, the way the interpreter and constant folder do, so op tests
 * exercise the registry entry rather than a family's private list. A name is `Type` for the
 * default domain or `domain::Type`.
 */
export function op(name: string): AnyOpDef {
  const split = name.lastIndexOf('::');
  const domain = split < 0 ? '' : name.slice(0, split);
  const def = lookupOp(domain, split < 0 ? name : name.slice(split + 2));
  if (!def) throw new Error(`no op ${name}`);
  return def;
}

type AttrOverrides = Record<string, unknown>;

/** Schema defaults, then the overrides; an override the schema does not declare is a test bug. */
function withDefaults(def: AnyOpDef, attrs: AttrOverrides): never {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(def.attrs)) out[name] = spec.default;
  for (const name of Object.keys(attrs)) {
    if (!(name in def.attrs)) throw new Error(`${def.type} has no attribute ${name}`);
  }
  return { ...out, ...attrs } as never;
}

export function run(
  name: string,
  inputs: readonly (Tensor | undefined)[],
  attrs: AttrOverrides = {},
  outputCount = 1,
): Tensor[] {
  const def = op(name);
  return def.reference(inputs, withDefaults(def, attrs), outputCount);
}

/** The first output. */
export function run1(
  name: string,
  inputs: readonly (Tensor | undefined)[],
  attrs: AttrOverrides = {},
): Tensor {
  return run(name, inputs, attrs)[0]!;
}

/** Infers with constants: a Tensor input is both typed and constant, a TensorType is typed only. */
export function infer(
  name: string,
  inputs: readonly (Tensor | TensorType | undefined)[],
  attrs: AttrOverrides = {},
  outputCount = 1,
): TensorType[] {
  const def = op(name);
  const types = inputs.map((x) => x && { dtype: x.dtype, shape: x.shape });
  const constants = inputs.map((x) => (x && 'data' in x ? x : undefined));
  return def.infer({ inputs: types, constants, attrs: withDefaults(def, attrs), outputCount });
}

/** The type of the first output. */
export function infer1(
  name: string,
  inputs: readonly (Tensor | TensorType | undefined)[],
  attrs: AttrOverrides = {},
): TensorType {
  return infer(name, inputs, attrs)[0]!;
}

export function shapeOfInfer(
  name: string,
  inputs: readonly (Tensor | TensorType | undefined)[],
  attrs: AttrOverrides = {},
): TensorType['shape'] {
  return infer1(name, inputs, attrs).shape;
}

type Scalar = number | bigint | boolean;

export const t = (dtype: DType, shape: readonly number[], values: ArrayLike<Scalar>): Tensor =>
  fromNumbers(dtype, shape, values);
export const f32 = (shape: readonly number[], values: ArrayLike<number>): Tensor =>
  t('float32', shape, values);
export const i64 = (shape: readonly number[], values: ArrayLike<number | bigint>): Tensor =>
  t('int64', shape, values);

/** A 1-D tensor of the given values. */
export const vec = (dtype: DType, ...values: Scalar[]): Tensor => t(dtype, [values.length], values);
export const floats = (...values: number[]): Tensor => vec('float32', ...values);
export const ints = (...values: number[]): Tensor => vec('int64', ...values);

/** A type without data: inference treats the input as a runtime value. */
export const type = (dtype: DType, shape: readonly Dim[]): TensorType => ({ dtype, shape });

/** 0, 1, 2, ... in the given shape. */
export function iota(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return t(
    dtype,
    shape,
    Array.from({ length: n }, (_, i) => i),
  );
}

/** Deterministic pseudo-random values in [-1, 1) (xorshift), so failures reproduce. */
export function rand(shape: readonly number[], seed = 1, dtype: DType = 'float32'): Tensor {
  let s = seed * 2654435761 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  });
  return t(dtype, shape, v);
}

/** Element values as numbers (halves decoded). */
export const values = (x: Tensor): number[] => toNumbers(x);

/** Exact elements of an int64/uint64 tensor. */
export const bigints = (x: Tensor): bigint[] => Array.from(x.data as BigInt64Array);

/** Data-dependent dims are fresh symbols; tests only ask whether a dim is one. */
export const isSymbol = (d: unknown): boolean => typeof d === 'string';

/**
 * Each element within atol + rtol * |expected| (absolute only by default). A NaN or infinite
 * expected value must be matched exactly: with rtol > 0 the bound itself would be infinite.
 */
export function assertNear(
  actual: readonly number[],
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 0,
): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = Number.isFinite(e) ? Math.abs(a - e) <= atol + rtol * Math.abs(e) : Object.is(a, e);
    const detail = `\n actual   [${actual.join(', ')}]\n expected [${Array.from(expected).join(', ')}]`;
    assert.ok(ok, `element ${i}: ${a} vs ${e}${detail}`);
  }
}

/** Expected values without a dtype, to compare results across dtypes (float16 against float32). */
export interface Expected {
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/** Same shape (and dtype, for an expected Tensor), values as assertNear. */
export function close(actual: Tensor, expected: Tensor | Expected, atol = 1e-5, rtol = 1e-5): void {
  if ('dtype' in expected) assert.equal(actual.dtype, expected.dtype);
  assert.deepEqual(actual.shape, [...expected.shape]);
  assertNear(toNumbers(actual), 'dtype' in expected ? toNumbers(expected) : expected.values, atol, rtol);
}
