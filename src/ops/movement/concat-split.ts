import { allocate, type DType } from '../../ir/dtype.js';
import { freshDim, type Dim, type Shape, type TensorType } from '../../ir/shape.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { input } from '../support/infer.js';
import { copyRun } from './copy.js';
import { constInts, dimSum, intsOf, shapeOf, unifyDim } from './dims.js';

function inferConcat(inputs: readonly (TensorType | undefined)[], axis: number): TensorType[] {
  const types = inputs.map((t, i) => {
    if (!t) throw new OpError(`Concat input ${i} is missing`);
    return t;
  });
  const known = types.filter((t) => t.shape !== undefined);
  const dtype = types[0]!.dtype;
  if (types.some((t) => t.dtype !== dtype)) throw new OpError('Concat inputs differ in dtype');
  if (known.length === 0) return [{ dtype, shape: undefined }];
  const rank = known[0]!.shape!.length;
  const a = normalizeAxis(axis, rank);
  const out: Dim[] = [...known[0]!.shape!];
  for (const t of known) {
    if (t.shape!.length !== rank) throw new OpError('Concat inputs differ in rank');
    for (let d = 0; d < rank; d++) if (d !== a) out[d] = unifyDim(out[d]!, t.shape![d]!, `Concat dim ${d}`);
  }
  // an input of unknown rank contributes an unknown length along the axis
  out[a] = known.length < types.length ? freshDim() : dimSum(known.map((t) => t.shape![a]!));
  return [{ dtype, shape: out }];
}

function concat(inputs: readonly Tensor[], axis: number): Tensor {
  const first = inputs[0]!;
  const a = normalizeAxis(axis, first.shape.length);
  const outShape = [...first.shape];
  outShape[a] = inputs.reduce((s, t) => s + t.shape[a]!, 0);
  const data = allocate(first.dtype, sizeOf(outShape));
  const outer = sizeOf(first.shape.slice(0, a));
  const inner = sizeOf(first.shape.slice(a + 1));
  const rowLen = outShape[a]! * inner;
  let offset = 0;
  for (const t of inputs) {
    if (t.dtype !== first.dtype || t.shape.length !== first.shape.length)
      throw new OpError('Concat inputs differ in dtype or rank');
    if (t.shape.some((d, i) => i !== a && d !== first.shape[i]))
      throw new OpError(`Concat input shapes [${first.shape}] and [${t.shape}] differ off the axis`);
    const chunk = t.shape[a]! * inner;
    for (let o = 0; o < outer; o++) copyRun(data, o * rowLen + offset, t.data, o * chunk, chunk);
    offset += chunk;
  }
  return { dtype: first.dtype, shape: outShape, data };
}

export const Concat = defineOp({
  type: 'Concat',
  attrs: { axis: attr.int() },
  arity: { inputs: [1, 2147483647], outputs: [1, 1] },
  infer(ctx) {
    if (ctx.attrs.axis === undefined) throw new OpError('Concat needs an axis');
    return inferConcat(ctx.inputs, ctx.attrs.axis);
  },
  reference(inputs, attrs) {
    if (attrs.axis === undefined) throw new OpError('Concat needs an axis');
    return [
      concat(
        inputs.map((t) => t ?? fail('Concat input missing')),
        attrs.axis,
      ),
    ];
  },
});

function fail(message: string): never {
  throw new OpError(message);
}

/**
 * Part sizes along the axis: the split input, else num_outputs (or the output count, as opsets before
 * 18 did) parts of ceil(dim/n) with a smaller last part.
 */
function splitSizes(
  dim: number,
  split: readonly number[] | undefined,
  numOutputs: number | undefined,
  outputCount: number,
): number[] {
  if (split) {
    if (split.length !== outputCount)
      throw new OpError(`Split has ${split.length} sizes for ${outputCount} outputs`);
    if (split.some((s) => s < 0)) throw new OpError(`Split sizes [${split}] are negative`);
    if (split.reduce((a, b) => a + b, 0) !== dim)
      throw new OpError(`Split sizes [${split}] do not sum to ${dim}`);
    return [...split];
  }
  const n = numOutputs ?? outputCount;
  if (n !== outputCount) throw new OpError(`Split num_outputs=${n} but the node has ${outputCount} outputs`);
  const chunk = Math.ceil(dim / n);
  const last = dim - chunk * (n - 1);
  if (last < 0) throw new OpError(`Split cannot cut ${dim} into ${n} parts of ${chunk}`);
  return [...new Array<number>(n - 1).fill(chunk), last];
}

function splitShapes(
  shape: Shape,
  a: number,
  split: readonly number[] | undefined,
  numOutputs: number | undefined,
  count: number,
): Dim[][] {
  const dim = shape[a]!;
  const sizes: Dim[] =
    typeof dim === 'number' || split
      ? splitSizes(
          typeof dim === 'number' ? dim : split!.reduce((x, y) => x + y, 0),
          split,
          numOutputs,
          count,
        )
      : Array.from({ length: count }, () => freshDim());
  return sizes.map((s) => shape.map((d, i) => (i === a ? s : d)));
}

function split<D extends DType>(x: Tensor<D>, a: number, sizes: readonly number[]): Tensor<D>[] {
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const rowLen = x.shape[a]! * inner;
  let offset = 0;
  return sizes.map((s) => {
    const shape = x.shape.map((d, i) => (i === a ? s : d));
    const data = allocate(x.dtype, sizeOf(shape));
    const chunk = s * inner;
    for (let o = 0; o < outer; o++) copyRun(data, o * chunk, x.data, o * rowLen + offset, chunk);
    offset += chunk;
    return { dtype: x.dtype, shape, data };
  });
}

export const Split = defineOp({
  type: 'Split',
  attrs: { axis: attr.int(0), num_outputs: attr.int() },
  arity: { inputs: [1, 2], outputs: [1, 2147483647] },
  infer(ctx) {
    const x = input(ctx, 0);
    const shape = shapeOf(x, 'Split input');
    const a = normalizeAxis(ctx.attrs.axis, shape.length);
    const sizes = ctx.inputs[1] ? constInts(ctx, 1) : undefined;
    if (ctx.inputs[1] && !sizes) {
      return Array.from({ length: ctx.outputCount }, () => ({
        dtype: x.dtype,
        shape: shape.map((d, i) => (i === a ? freshDim() : d)),
      }));
    }
    return splitShapes(shape, a, sizes, ctx.attrs.num_outputs, ctx.outputCount).map((s) => ({
      dtype: x.dtype,
      shape: s,
    }));
  },
  reference([x, sizes], attrs, outputCount) {
    if (!x) throw new OpError('Split needs an input');
    const a = normalizeAxis(attrs.axis, x.shape.length);
    return split(
      x,
      a,
      splitSizes(x.shape[a]!, sizes ? intsOf(sizes) : undefined, attrs.num_outputs, outputCount),
    );
  },
});
