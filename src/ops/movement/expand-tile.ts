import { freshDim, type Dim } from '../../ir/shape.js';
import { stridesOf, type Tensor } from '../../ir/tensor.js';
import { defineOp, OpError } from '../op.js';
import { broadcastOrFail, broadcastStatic } from '../support/broadcast.js';
import { input } from '../support/infer.js';
import { gatherByMaps, linearMap } from './copy.js';
import { constInts, intsOf, maybeShape, staticLength, unknownShape } from './dims.js';

function expand<T extends Tensor>(x: T, shape: readonly number[]): T {
  const outShape = broadcastStatic([x.shape, shape]);
  const strides = stridesOf(x.shape);
  const lead = outShape.length - x.shape.length;
  const maps = outShape.map((n, d) => {
    const j = d - lead;
    // broadcast axes (missing or of size 1 in the input) read offset 0 throughout
    return j < 0 || x.shape[j] === 1 ? new Int32Array(n) : linearMap(n, strides[j]!);
  });
  return gatherByMaps(x, outShape, maps) as T;
}

export const Expand = defineOp({
  type: 'Expand',
  attrs: {},
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const shape = maybeShape(x, 'Expand input');
    const target = constInts(ctx, 1);
    const n = target?.length ?? staticLength(ctx, 1);
    if (!shape || n === undefined) return [{ dtype: x.dtype, shape: undefined }];
    // unknown target entries are fresh dims: a known input dim other than 1 still wins the broadcast
    const t: Dim[] = target ?? unknownShape(n)!;
    return [{ dtype: x.dtype, shape: broadcastOrFail([shape, t]) }];
  },
  reference([x, shape]) {
    if (!x || !shape) throw new OpError('Expand needs input and shape');
    return [expand(x, intsOf(shape))];
  },
});

function tile<T extends Tensor>(x: T, repeats: readonly number[]): T {
  if (repeats.length !== x.shape.length)
    throw new OpError(`Tile has ${repeats.length} repeats for rank ${x.shape.length}`);
  if (repeats.some((r) => r < 0)) throw new OpError(`Tile repeats [${repeats}] are negative`);
  const strides = stridesOf(x.shape);
  const outShape = x.shape.map((d, i) => d * repeats[i]!);
  const maps = outShape.map((n, d) => {
    const m = new Int32Array(n);
    const dim = x.shape[d]!;
    for (let i = 0; i < n; i++) m[i] = (i % dim) * strides[d]!;
    return m;
  });
  return gatherByMaps(x, outShape, maps) as T;
}

export const Tile = defineOp({
  type: 'Tile',
  attrs: {},
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const shape = maybeShape(x, 'Tile input');
    if (!shape) return [{ dtype: x.dtype, shape: undefined }];
    const repeats = constInts(ctx, 1);
    if (!repeats) return [{ dtype: x.dtype, shape: shape.map((d) => (d === 0 ? 0 : freshDim())) }];
    if (repeats.length !== shape.length)
      throw new OpError(`Tile has ${repeats.length} repeats for rank ${shape.length}`);
    const out = shape.map((d, i) => {
      const r = repeats[i]!;
      if (typeof d === 'number') return d * r;
      return r === 1 ? d : r === 0 ? 0 : freshDim();
    });
    return [{ dtype: x.dtype, shape: out }];
  },
  reference([x, repeats]) {
    if (!x || !repeats) throw new OpError('Tile needs input and repeats');
    return [tile(x, intsOf(repeats))];
  },
});
