import { integerRange, isBigInt, isFloat, type DType } from '../../ir/dtype.js';
import { freshDim, type TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, type AnyOpDef } from '../op.js';
import { broadcastIndex } from '../support/broadcast.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { identityOf, reduceBigInts, reduceFloats, type Combine, type FloatArray } from './accumulate.js';
import { reducedShape, reductionAxes } from './geometry.js';

/**
 * The ten Reduce* ops: an element map, an associative combine, and a final map. Every one reads
 * its axes from input 1 (older opsets' axes attribute is moved there by the ONNX upgrade).
 */
interface ReduceKind {
  readonly type: string;
  readonly pre: 'none' | 'abs' | 'square';
  readonly combine: Combine;
  readonly post: 'none' | 'mean' | 'sqrt' | 'log';
  /** max/min also take bool and 8-bit integers (opsets 18/20). */
  readonly ordering?: boolean;
}

const KINDS: readonly ReduceKind[] = [
  { type: 'ReduceSum', pre: 'none', combine: 'sum', post: 'none' },
  { type: 'ReduceMean', pre: 'none', combine: 'sum', post: 'mean' },
  { type: 'ReduceMax', pre: 'none', combine: 'max', post: 'none', ordering: true },
  { type: 'ReduceMin', pre: 'none', combine: 'min', post: 'none', ordering: true },
  { type: 'ReduceProd', pre: 'none', combine: 'prod', post: 'none' },
  { type: 'ReduceL1', pre: 'abs', combine: 'sum', post: 'none' },
  { type: 'ReduceL2', pre: 'square', combine: 'sum', post: 'sqrt' },
  { type: 'ReduceLogSum', pre: 'none', combine: 'sum', post: 'log' },
  { type: 'ReduceSumSquare', pre: 'square', combine: 'sum', post: 'none' },
];

const reduceAttrs = {
  keepdims: attr.int(1),
  noop_with_empty_axes: attr.int(0),
};

type ReduceAttrs = { readonly keepdims: number; readonly noop_with_empty_axes: number };

/** Axes from input 1; undefined when that input exists but is not a compile-time constant. */
function constantAxes(
  inputs: readonly (TensorType | undefined)[],
  constants: readonly (Tensor | undefined)[],
): number[] | undefined {
  if (!inputs[1]) return [];
  const c = constants[1];
  if (!c) return undefined;
  return Array.from(c.data as ArrayLike<number | bigint>, Number);
}

function inferReduce(x: TensorType, axes: number[] | undefined, attrs: ReduceAttrs): TensorType {
  if (!x.shape) return { dtype: x.dtype, shape: undefined };
  if (axes === undefined) {
    // data-dependent axes: the rank survives only with keepdims
    return {
      dtype: x.dtype,
      shape: attrs.keepdims ? x.shape.map((d) => (d === 1 ? 1 : freshDim('reduce'))) : undefined,
    };
  }
  if (axes.length === 0 && attrs.noop_with_empty_axes) return x;
  return {
    dtype: x.dtype,
    shape: reducedShape(x.shape, reductionAxes(axes, x.shape.length), attrs.keepdims !== 0),
  };
}

function checkDtype(type: string, dtype: DType, ordering: boolean): void {
  const ok =
    isFloat(dtype) || dtype === 'int32' || dtype === 'int64' || dtype === 'uint32' || dtype === 'uint64';
  const orderingOnly = dtype === 'bool' || dtype === 'int8' || dtype === 'uint8';
  if (!ok && !(ordering && orderingOnly)) throw new OpError(`${type} does not take ${dtype}`);
}

function defineReduce(kind: ReduceKind): AnyOpDef {
  return defineOp({
    type: kind.type,
    attrs: reduceAttrs,
    arity: { inputs: [1, 2], outputs: [1, 1] },
    infer(ctx) {
      const x = input(ctx, 0);
      checkDtype(kind.type, x.dtype, kind.ordering === true);
      return [inferReduce(x, constantAxes(ctx.inputs, ctx.constants), ctx.attrs)];
    },
    reference([x, axesT], attrs) {
      if (!x) throw new OpError(`${kind.type} needs an input`);
      const axes = axesT ? Array.from(axesT.data as ArrayLike<number | bigint>, Number) : [];
      if (axes.length === 0 && attrs.noop_with_empty_axes) return [x];
      return [reduceTensor(kind, x, reductionAxes(axes, x.shape.length), attrs.keepdims !== 0)];
    },
  });
}

function reduceTensor(kind: ReduceKind, x: Tensor, axes: Set<number>, keepdims: boolean): Tensor {
  const outShape = reducedShape(x.shape, axes, keepdims);
  if (isBigInt(x.dtype) && kind.post !== 'sqrt' && kind.post !== 'log')
    return reduceBigIntTensor(kind, x, axes, outShape);
  let values = decodeFloats(x);
  if (kind.pre !== 'none') values = mapElements(values, kind.pre);
  const acc = reduceFloats(values, x.shape, axes, kind.combine);
  finish(kind, acc, reducedCount(x.shape, axes));
  if (!isFloat(x.dtype)) clampIdentities(acc, x.dtype);
  return encodeFloats(x.dtype, outShape, acc);
}

function reducedCount(shape: readonly number[], axes: ReadonlySet<number>): number {
  let n = 1;
  for (const a of axes) n *= shape[a]!;
  return n;
}

function mapElements(x: FloatArray, pre: 'abs' | 'square'): Float64Array {
  const out = new Float64Array(x.length);
  if (pre === 'abs') for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]!);
  else
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      out[i] = v * v;
    }
  return out;
}

function finish(kind: ReduceKind, acc: Float64Array, count: number): void {
  switch (kind.post) {
    case 'none':
      return;
    case 'mean':
      // an empty reduction gives 0/0 = NaN, as numpy's mean does
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! / count;
      return;
    case 'sqrt':
      for (let i = 0; i < acc.length; i++) acc[i] = Math.sqrt(acc[i]!);
      return;
    case 'log':
      for (let i = 0; i < acc.length; i++) acc[i] = Math.log(acc[i]!);
      return;
  }
}

/**
 * Integer results have no infinity or NaN: empty max/min give the type's extreme value (the
 * spec's identity), as do log(0) and friends; NaN becomes 0 as a C cast would.
 */
function clampIdentities(acc: Float64Array, dtype: DType): void {
  const [lo, hi] = integerRange(dtype);
  for (let i = 0; i < acc.length; i++) {
    if (acc[i] === -Infinity) acc[i] = Number(lo);
    else if (acc[i] === Infinity) acc[i] = Number(hi);
    else if (Number.isNaN(acc[i])) acc[i] = 0;
  }
}

function reduceBigIntTensor(kind: ReduceKind, x: Tensor, axes: Set<number>, outShape: number[]): Tensor {
  const data = x.data as BigInt64Array | BigUint64Array;
  let values = data;
  if (kind.pre !== 'none') {
    values = data.slice();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      values[i] = kind.pre === 'abs' ? (v < 0n ? -v : v) : v * v;
    }
  }
  const [lo, hi] = integerRange(x.dtype);
  const init = kind.combine === 'max' ? lo : kind.combine === 'min' ? hi : BigInt(identityOf(kind.combine));
  const acc = reduceBigInts(values, x.shape, axes, kind.combine, init);
  const count = BigInt(reducedCount(x.shape, axes));
  const out = x.dtype === 'int64' ? new BigInt64Array(acc.length) : new BigUint64Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    const v = kind.post === 'mean' ? (count === 0n ? 0n : acc[i]! / count) : acc[i]!;
    out[i] = x.dtype === 'int64' ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v);
  }
  return { dtype: x.dtype, shape: outShape, data: out };
}

/** log(sum(exp(x))) shifted by the max so large inputs do not overflow. */
const reduceLogSumExp = defineOp({
  type: 'ReduceLogSumExp',
  attrs: reduceAttrs,
  arity: { inputs: [1, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    checkDtype('ReduceLogSumExp', x.dtype, false);
    return [inferReduce(x, constantAxes(ctx.inputs, ctx.constants), ctx.attrs)];
  },
  reference([x, axesT], attrs) {
    if (!x) throw new OpError('ReduceLogSumExp needs an input');
    const axesList = axesT ? Array.from(axesT.data as ArrayLike<number | bigint>, Number) : [];
    if (axesList.length === 0 && attrs.noop_with_empty_axes) return [x];
    const axes = reductionAxes(axesList, x.shape.length);
    const values = decodeFloats(x);
    const max = reduceFloats(values, x.shape, axes, 'max');
    const shifted = shiftedExp(values, x.shape, axes, max);
    const sum = reduceFloats(shifted, x.shape, axes, 'sum');
    for (let i = 0; i < sum.length; i++) sum[i] = Math.log(sum[i]!) + finiteOr0(max[i]!);
    if (!isFloat(x.dtype)) clampIdentities(sum, x.dtype);
    return [encodeFloats(x.dtype, reducedShape(x.shape, axes, attrs.keepdims !== 0), sum)];
  },
});

function finiteOr0(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

/** exp(x - max) with the max of each element's own reduction group. */
function shiftedExp(
  x: FloatArray,
  shape: readonly number[],
  axes: ReadonlySet<number>,
  max: Float64Array,
): Float64Array {
  const map = broadcastIndex(shape, reducedShape(shape, axes, true));
  const out = new Float64Array(x.length);
  for (let k = 0; k < out.length; k++) out[k] = Math.exp(x[k]! - finiteOr0(max[map[k]!]!));
  return out;
}

export const reductionOps: readonly AnyOpDef[] = [...KINDS.map(defineReduce), reduceLogSumExp];
