import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { TensorType } from '../../src/ir/shape.js';
import { fromNumbers, toNumbers, type Tensor } from '../../src/ir/tensor.js';
import type { AnyOpDef } from '../../src/ops/op.js';
import { recurrentOps } from '../../src/ops/recurrent/index.js';

/** Shared by the recurrent-*.test.ts files: run one op of this family by type name. */
export function op(type: string): AnyOpDef {
  const def = recurrentOps.find((d) => d.type === type);
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

export function infer(
  type: string,
  inputs: readonly (TensorType | undefined)[],
  attrs: AttrOverrides = {},
  outputCount = 1,
): TensorType[] {
  const def = op(type);
  return def.infer({ inputs, constants: [], attrs: withDefaults(def, attrs), outputCount });
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

export const type = (dtype: DType, shape: readonly (number | string)[]): TensorType => ({ dtype, shape });

/** Same shape and dtype, values within atol + rtol * |expected|. */
export function close(actual: Tensor, expected: Tensor, atol = 1e-5, rtol = 1e-5): void {
  assert.equal(actual.dtype, expected.dtype);
  assert.deepEqual(actual.shape, expected.shape);
  const a = toNumbers(actual);
  const e = toNumbers(expected);
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `element ${i}: ${x}, expected ${y}`);
  }
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
