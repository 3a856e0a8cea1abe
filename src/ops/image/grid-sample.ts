import { freshDim, type Dim } from '../../ir/shape.js';
import { sizeOf, stridesOf } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats, encodeFloats, floatBuffer } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import { sampleTaps, type SampleOptions } from './grid-sample-taps.js';

/**
 * GridSample (opset 22): samples X at the normalized locations of `grid` ([N, *out, r], the last
 * axis listing x first, i.e. the innermost spatial dim first). Any number r of spatial dims.
 * layout NHWC reads X as [N, *spatial, C] and writes [N, *out, C].
 */
const attrs = {
  align_corners: attr.int(0),
  mode: attr.string('linear', ['linear', 'nearest', 'cubic']),
  padding_mode: attr.string('zeros', ['zeros', 'border', 'reflection']),
  layout: attr.layout(),
};

function pick(a: Dim, b: Dim): Dim {
  return typeof a === 'number' ? a : b;
}

export const gridSampleOp = defineOp({
  type: 'GridSample',
  attrs,
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const grid = input(ctx, 1);
    const rank = rankOf(x, 'X');
    if (rank < 3) throw new OpError(`GridSample X must have rank >= 3, found ${rank}`);
    if (!grid.shape) return [{ dtype: x.dtype, shape: x.shape!.map(() => freshDim('gridsample')) }];
    if (grid.shape.length !== rank)
      throw new OpError(`grid has rank ${grid.shape.length}, X has rank ${rank}`);
    const r = grid.shape[rank - 1]!;
    if (typeof r === 'number' && r !== rank - 2)
      throw new OpError(`grid's last dim is ${r}, X has ${rank - 2} spatial dims`);
    const xs = x.shape!;
    const nhwc = ctx.attrs.layout === 'NHWC';
    const n = pick(xs[0]!, grid.shape[0]!);
    const c = nhwc ? xs[rank - 1]! : xs[1]!;
    const out = grid.shape.slice(1, rank - 1);
    return [{ dtype: x.dtype, shape: nhwc ? [n, ...out, c] : [n, c, ...out] }];
  },
  reference([x, grid], a) {
    if (!x || !grid) throw new OpError('GridSample needs X and grid');
    const rank = x.shape.length;
    const r = rank - 2;
    if (grid.shape.length !== rank || grid.shape[rank - 1] !== r || grid.shape[0] !== x.shape[0]) {
      throw new OpError(`grid [${grid.shape}] does not fit X [${x.shape}]`);
    }
    const nhwc = a.layout === 'NHWC';
    const [N, C] = [x.shape[0]!, nhwc ? x.shape[rank - 1]! : x.shape[1]!];
    const inDims = nhwc ? x.shape.slice(1, rank - 1) : x.shape.slice(2);
    const outDims = grid.shape.slice(1, rank - 1);
    const outShape = nhwc ? [N, ...outDims, C] : [N, C, ...outDims];
    const opts: SampleOptions = {
      mode: a.mode,
      padding: a.padding_mode,
      alignCorners: a.align_corners !== 0,
    };
    const out = floatBuffer(x.dtype, sizeOf(outShape));
    sample(decodeFloats(x), decodeFloats(grid), out, { N, C, inDims, outDims, nhwc }, opts);
    return [encodeFloats(x.dtype, outShape, out)];
  },
});

interface Geometry {
  readonly N: number;
  readonly C: number;
  readonly inDims: readonly number[];
  readonly outDims: readonly number[];
  readonly nhwc: boolean;
}

function sample(
  x: Float32Array | Float64Array,
  grid: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
  geo: Geometry,
  o: SampleOptions,
): void {
  const { N, C, inDims, outDims, nhwc } = geo;
  const r = inDims.length;
  const inSpatial = sizeOf(inDims);
  const outSpatial = sizeOf(outDims);
  // strides of a spatial step in X, and of a channel step, for either layout
  const spatialStrides = stridesOf(inDims).map((s) => (nhwc ? s * C : s));
  const channelStride = nhwc ? 1 : inSpatial;
  const maxTaps = o.mode === 'cubic' ? 4 : o.mode === 'linear' ? 2 : 1;
  const dimIndex = new Int32Array(r * maxTaps);
  const dimWeight = new Float64Array(r * maxTaps);
  const product = new TapProduct(maxTaps ** r);
  for (let n = 0; n < N; n++) {
    const xBatch = n * inSpatial * C;
    for (let p = 0; p < outSpatial; p++) {
      const g = (n * outSpatial + p) * r;
      product.reset();
      for (let d = 0; d < r; d++) {
        const count = sampleTaps(o, grid[g + r - 1 - d]!, inDims[d]!, dimIndex, dimWeight, 0);
        product.multiply(count, dimIndex, dimWeight, spatialStrides[d]!);
      }
      const { offsets, weights, size } = product;
      for (let c = 0; c < C; c++) {
        const base = xBatch + c * channelStride;
        let acc = 0;
        for (let k = 0; k < size; k++) acc += weights[k]! * x[base + offsets[k]!]!;
        out[nhwc ? (n * outSpatial + p) * C + c : (n * C + c) * outSpatial + p] = acc;
      }
    }
  }
}

/**
 * The taps of an N-D sample as the product of per-dim taps: (offset, weight) pairs, with
 * zero-padded taps dropped. Two buffer pairs alternate so nothing is allocated per sample.
 */
class TapProduct {
  offsets: Int32Array;
  weights: Float64Array;
  size = 1;
  private spareOffsets: Int32Array;
  private spareWeights: Float64Array;

  constructor(capacity: number) {
    this.offsets = new Int32Array(capacity);
    this.weights = new Float64Array(capacity);
    this.spareOffsets = new Int32Array(capacity);
    this.spareWeights = new Float64Array(capacity);
  }

  reset(): void {
    this.size = 1;
    this.offsets[0] = 0;
    this.weights[0] = 1;
  }

  multiply(count: number, index: Int32Array, weight: Float64Array, stride: number): void {
    const [off, w] = [this.spareOffsets, this.spareWeights];
    let m = 0;
    for (let k = 0; k < this.size; k++) {
      for (let t = 0; t < count; t++) {
        const i = index[t]!;
        if (i < 0) continue;
        off[m] = this.offsets[k]! + i * stride;
        w[m] = this.weights[k]! * weight[t]!;
        m++;
      }
    }
    this.spareOffsets = this.offsets;
    this.spareWeights = this.weights;
    this.offsets = off;
    this.weights = w;
    this.size = m;
  }
}
