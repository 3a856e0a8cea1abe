import { freshDim } from '../../ir/shape.js';
import { getNumber, sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, OpUnsupported } from '../op.js';
import { input } from '../support/infer.js';

/** Shape's start/end: negative values count from the end, then both clamp to [0, rank]. */
function shapeWindow(rank: number, start: number, end: number | undefined): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const s = clamp(start);
  const e = clamp(end ?? rank);
  return [s, Math.max(s, e)];
}

function int64Vector(values: readonly number[]): Tensor<'int64'> {
  return { dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

export const Shape = defineOp({
  type: 'Shape',
  attrs: { start: attr.int(0), end: attr.int() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  shapeOnlyInputs: [0],
  infer(ctx) {
    const x = input(ctx, 0);
    if (!x.shape) return [{ dtype: 'int64', shape: [freshDim('rank')] }];
    const [s, e] = shapeWindow(x.shape.length, ctx.attrs.start, ctx.attrs.end);
    return [{ dtype: 'int64', shape: [e - s] }];
  },
  reference([x], attrs) {
    if (!x) throw new OpError('Shape needs an input');
    const [s, e] = shapeWindow(x.shape.length, attrs.start, attrs.end);
    return [int64Vector(x.shape.slice(s, e))];
  },
});

export const Size = defineOp({
  type: 'Size',
  attrs: {},
  arity: { inputs: [1, 1], outputs: [1, 1] },
  shapeOnlyInputs: [0],
  infer: () => [{ dtype: 'int64', shape: [] }],
  reference([x]) {
    if (!x) throw new OpError('Size needs an input');
    return [{ dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(sizeOf(x.shape))) }];
  },
});

export const Identity = defineOp({
  type: 'Identity',
  attrs: {},
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer: (ctx) => [input(ctx, 0)],
  reference([x]) {
    if (!x) throw new OpError('Identity needs an input');
    return [x];
  },
});

/**
 * Inference-only Dropout: the output is the input and the mask is all true. Training mode with a
 * non-zero ratio draws random numbers, which a compiled model cannot reproduce.
 */
function checkInference(ratio: Tensor | undefined, training: Tensor | undefined): void {
  if (!training || !training.data[0]) return;
  const r = ratio ? getNumber(ratio, 0) : 0.5;
  if (r !== 0) {
    throw new OpUnsupported('Dropout in training mode with a non-zero ratio is random');
  }
}

function allTrue(shape: readonly number[]): Tensor<'bool'> {
  return { dtype: 'bool', shape: [...shape], data: new Uint8Array(sizeOf(shape)).fill(1) };
}

export const Dropout = defineOp({
  type: 'Dropout',
  attrs: { seed: attr.int() },
  arity: { inputs: [1, 3], outputs: [1, 2] },
  infer(ctx) {
    const x = input(ctx, 0);
    // decided here when both values are known at compile time, else by the reference at run time
    const ratioKnown = !ctx.inputs[1] || ctx.constants[1] !== undefined;
    if (ctx.constants[2] && ratioKnown) checkInference(ctx.constants[1], ctx.constants[2]);
    const out = [x];
    if (ctx.outputCount > 1) out.push({ dtype: 'bool', shape: x.shape });
    return out;
  },
  reference([x, ratio, training], _attrs, outputCount) {
    if (!x) throw new OpError('Dropout needs an input');
    checkInference(ratio, training);
    return outputCount > 1 ? [x, allTrue(x.shape)] : [x];
  },
});
