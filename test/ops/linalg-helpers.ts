import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { TensorType } from '../../src/ir/shape.js';
import { fromNumbers, toNumbers, type Tensor } from '../../src/ir/tensor.js';
import { linalgOps } from '../../src/ops/linalg/index.js';
import type { AnyOpDef } from '../../src/ops/op.js';

/** Shared by the linalg-*.test.ts files: run or infer one op of this family by type name. */
export function op(type: string): AnyOpDef {
  const def = linalgOps.find((d) => d.type === type);
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

export const t = (
  dtype: DType,
  shape: readonly number[],
  values: ArrayLike<number | bigint | boolean>,
): Tensor => fromNumbers(dtype, shape, values);
export const f32 = (shape: readonly number[], values: ArrayLike<number>): Tensor =>
  t('float32', shape, values);
export const f64 = (shape: readonly number[], values: ArrayLike<number>): Tensor =>
  t('float64', shape, values);

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

export const values = (x: Tensor): number[] => toNumbers(x);

export const isSymbol = (d: unknown): boolean => typeof d === 'string';

/** Same shape and values within rtol/atol (the ONNX runner's 1e-3 / 1e-7 by default). */
export function assertClose(
  actual: Tensor,
  expected: { shape: readonly number[]; values: ArrayLike<number> },
  rtol = 1e-3,
  atol = 1e-6,
): void {
  assert.deepEqual(actual.shape, [...expected.shape]);
  const got = toNumbers(actual);
  assert.equal(got.length, expected.values.length);
  for (let i = 0; i < got.length; i++) {
    const e = expected.values[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(got[i]) : Math.abs(got[i]! - e) <= atol + rtol * Math.abs(e);
    assert.ok(ok, `element ${i}: got ${got[i]}, expected ${e}`);
  }
}
