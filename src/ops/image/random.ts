import { isFloat, type DType } from '../../ir/dtype.js';
import type { TensorType } from '../../ir/shape.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, type AnyOpDef } from '../op.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import { dtypeOfCode, floatDtypeOfCode } from '../support/dtype-codes.js';
import {
  expNonPositive,
  randomBits,
  significandBits,
  standardNormal,
  streamKey,
  unitUniform,
  type StreamKey,
} from './prng.js';

/**
 * Random generators, deterministic given `seed` (see prng.ts). foldable: false keeps the
 * compiler from baking one draw into the model as a constant.
 */

/** The output dtype of the *Like ops and Bernoulli: the dtype attribute, else the input's. */
function likeDtype(code: number | undefined, inputType: DType, op: string, floatOnly: boolean): DType {
  const d = code === undefined ? inputType : dtypeOfCode(code);
  if (floatOnly && !isFloat(d)) throw new OpError(`${op} output type must be a float type, found ${d}`);
  return d;
}

/**
 * Values are computed in float64 and rounded to float32 first for the narrower types, exactly as
 * the compiled kernel does (its stores narrow from float32), so both agree bit for bit.
 */
function fill(dtype: DType, shape: readonly number[], draw: (i: number) => number): Tensor {
  const values = new Float64Array(sizeOf(shape));
  const narrow = dtype !== 'float64';
  for (let i = 0; i < values.length; i++) values[i] = narrow ? Math.fround(draw(i)) : draw(i);
  return encodeFloats(dtype, shape, values);
}

function uniformDraw(key: StreamKey, dtype: DType, low: number, high: number): (i: number) => number {
  const bits = significandBits(dtype);
  return (i) => low + (high - low) * unitUniform(randomBits(key, i), bits);
}

function normalDraw(key: StreamKey, mean: number, scale: number): (i: number) => number {
  return (i) => mean + scale * standardNormal(key, i);
}

const uniformAttrs = {
  dtype: attr.int(1),
  high: attr.float(1),
  low: attr.float(0),
  seed: attr.float(),
  shape: attr.ints(),
};
const normalAttrs = {
  dtype: attr.int(1),
  mean: attr.float(0),
  scale: attr.float(1),
  seed: attr.float(),
  shape: attr.ints(),
};

function shapeAttr(shape: readonly number[] | undefined, op: string): readonly number[] {
  if (!shape) throw new OpError(`${op} needs the shape attribute`);
  if (shape.some((d) => !(d >= 0))) throw new OpError(`${op} shape [${shape}] has a negative dim`);
  return shape;
}

export const randomUniformOp = defineOp({
  type: 'RandomUniform',
  attrs: uniformAttrs,
  arity: { inputs: [0, 0], outputs: [1, 1] },
  foldable: false,
  infer: (ctx) => [
    {
      dtype: floatDtypeOfCode(ctx.attrs.dtype, 'RandomUniform'),
      shape: shapeAttr(ctx.attrs.shape, 'RandomUniform'),
    },
  ],
  reference(_inputs, a) {
    const dtype = floatDtypeOfCode(a.dtype, 'RandomUniform');
    return [
      fill(dtype, shapeAttr(a.shape, 'RandomUniform'), uniformDraw(streamKey(a.seed), dtype, a.low, a.high)),
    ];
  },
});

export const randomNormalOp = defineOp({
  type: 'RandomNormal',
  attrs: normalAttrs,
  arity: { inputs: [0, 0], outputs: [1, 1] },
  foldable: false,
  infer: (ctx) => [
    {
      dtype: floatDtypeOfCode(ctx.attrs.dtype, 'RandomNormal'),
      shape: shapeAttr(ctx.attrs.shape, 'RandomNormal'),
    },
  ],
  reference(_inputs, a) {
    const dtype = floatDtypeOfCode(a.dtype, 'RandomNormal');
    return [fill(dtype, shapeAttr(a.shape, 'RandomNormal'), normalDraw(streamKey(a.seed), a.mean, a.scale))];
  },
});

const likeUniformAttrs = { dtype: attr.int(), high: attr.float(1), low: attr.float(0), seed: attr.float() };
const likeNormalAttrs = { dtype: attr.int(), mean: attr.float(0), scale: attr.float(1), seed: attr.float() };

function likeType(t: TensorType, code: number | undefined, op: string): TensorType {
  return { dtype: likeDtype(code, t.dtype, op, true), shape: t.shape };
}

function theInput(x: Tensor | undefined, op: string): Tensor {
  if (!x) throw new OpError(`${op} needs an input`);
  return x;
}

export const randomUniformLikeOp = defineOp({
  type: 'RandomUniformLike',
  attrs: likeUniformAttrs,
  arity: { inputs: [1, 1], outputs: [1, 1] },
  foldable: false,
  infer: (ctx) => [likeType(input(ctx, 0), ctx.attrs.dtype, 'RandomUniformLike')],
  reference([x], a) {
    const t = theInput(x, 'RandomUniformLike');
    const dtype = likeDtype(a.dtype, t.dtype, 'RandomUniformLike', true);
    return [fill(dtype, t.shape, uniformDraw(streamKey(a.seed), dtype, a.low, a.high))];
  },
});

export const randomNormalLikeOp = defineOp({
  type: 'RandomNormalLike',
  attrs: likeNormalAttrs,
  arity: { inputs: [1, 1], outputs: [1, 1] },
  foldable: false,
  infer: (ctx) => [likeType(input(ctx, 0), ctx.attrs.dtype, 'RandomNormalLike')],
  reference([x], a) {
    const t = theInput(x, 'RandomNormalLike');
    const dtype = likeDtype(a.dtype, t.dtype, 'RandomNormalLike', true);
    return [fill(dtype, t.shape, normalDraw(streamKey(a.seed), a.mean, a.scale))];
  },
});

/** Bernoulli: 1 with probability p (the input), drawn as uniform < p. */
export const bernoulliOp = defineOp({
  type: 'Bernoulli',
  attrs: { dtype: attr.int(), seed: attr.float() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  foldable: false,
  infer(ctx) {
    const x = input(ctx, 0);
    return [{ dtype: likeDtype(ctx.attrs.dtype, x.dtype, 'Bernoulli', false), shape: x.shape }];
  },
  reference([x], a) {
    const t = theInput(x, 'Bernoulli');
    const p = decodeFloats(t);
    const key = streamKey(a.seed);
    const values = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) values[i] = unitUniform(randomBits(key, i), 32) < p[i]! ? 1 : 0;
    return [encodeFloats(likeDtype(a.dtype, t.dtype, 'Bernoulli', false), t.shape, values)];
  },
});

/** Multinomial: sample_size class indices per row of unnormalized log-probabilities. */
export const multinomialOp = defineOp({
  type: 'Multinomial',
  attrs: { dtype: attr.int(6), sample_size: attr.int(1), seed: attr.float() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  foldable: false,
  infer(ctx) {
    const x = input(ctx, 0);
    if (rankOf(x) !== 2) throw new OpError('Multinomial input must be [batch, classes]');
    return [{ dtype: multinomialDtype(ctx.attrs.dtype), shape: [x.shape![0]!, ctx.attrs.sample_size] }];
  },
  reference([x], a) {
    const t = theInput(x, 'Multinomial');
    if (t.shape.length !== 2) throw new OpError('Multinomial input must be [batch, classes]');
    const [batch, classes] = t.shape as [number, number];
    const logits = decodeFloats(t);
    const key = streamKey(a.seed);
    const cumulative = new Float64Array(classes);
    const out = new Float64Array(batch * a.sample_size);
    for (let b = 0; b < batch; b++) {
      let max = -Infinity;
      for (let k = 0; k < classes; k++) max = Math.max(max, logits[b * classes + k]!);
      let total = 0;
      // subtracting the row max keeps exp from overflowing; it does not change the distribution
      for (let k = 0; k < classes; k++)
        cumulative[k] = total += expNonPositive(logits[b * classes + k]! - max);
      for (let s = 0; s < a.sample_size; s++) {
        const u = unitUniform(randomBits(key, b * a.sample_size + s), 32) * total;
        let k = 0;
        while (k < classes - 1 && cumulative[k]! <= u) k++;
        out[b * a.sample_size + s] = k;
      }
    }
    return [encodeFloats(multinomialDtype(a.dtype), [batch, a.sample_size], out)];
  },
});

function multinomialDtype(code: number): DType {
  const d = dtypeOfCode(code);
  if (d !== 'int32' && d !== 'int64')
    throw new OpError(`Multinomial dtype must be int32 or int64, found ${d}`);
  return d;
}

export const randomOps: readonly AnyOpDef[] = [
  randomUniformOp,
  randomNormalOp,
  randomUniformLikeOp,
  randomNormalLikeOp,
  bernoulliOp,
  multinomialOp,
];
