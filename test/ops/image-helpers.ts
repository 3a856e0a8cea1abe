import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { TensorType } from '../../src/ir/shape.js';
import { fromNumbers, toNumbers, type Tensor } from '../../src/ir/tensor.js';
import { imageOps } from '../../src/ops/image/index.js';
import type { AnyOpDef } from '../../src/ops/op.js';

/** Shared by the image-*.test.ts files: run or infer one op of the image family by type name. */
export function op(type: string): AnyOpDef {
  const def = imageOps.find((d) => d.type === type);
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

export const f32 = (shape: readonly number[], values: ArrayLike<number>): Tensor =>
  t('float32', shape, values);
export const i64 = (...values: number[]): Tensor => t('int64', [values.length], values);
export const scales = (...values: number[]): Tensor => t('float32', [values.length], values);

export function values(x: Tensor): number[] {
  return toNumbers(x);
}

/** Asserts element-wise closeness (absolute tolerance). */
export function assertNear(actual: readonly number[], expected: readonly number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    assert.ok(
      Math.abs(a - e) <= tol,
      `element ${i}: ${a} vs ${e}\n actual   [${actual.join(', ')}]\n expected [${expected.join(', ')}]`,
    );
  });
}
