import { toNumbers } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats, encodeFloats, floatBuffer } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';

/**
 * RoiAlign (opset 22 semantics; opset 10 models get coordinate_transformation_mode
 * output_half_pixel from the upgrade). Each roi (x1, y1, x2, y2) of image batch_indices[r] is cut
 * into output_height x output_width bins; a bin averages (or maxes) bilinear samples on a
 * sampling_ratio grid. layout NHWC reads X as [N, H, W, C] and writes [R, oh, ow, C].
 */
const attrs = {
  coordinate_transformation_mode: attr.string('half_pixel', ['half_pixel', 'output_half_pixel']),
  mode: attr.string('avg', ['avg', 'max']),
  output_height: attr.int(1),
  output_width: attr.int(1),
  sampling_ratio: attr.int(0),
  spatial_scale: attr.float(1),
  layout: attr.layout(),
};

export const roiAlignOp = defineOp({
  type: 'RoiAlign',
  attrs,
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const rois = input(ctx, 1);
    if (rankOf(x, 'X') !== 4) throw new OpError('RoiAlign X must be 4-D');
    if (rois.shape && rois.shape.length !== 2) throw new OpError('RoiAlign rois must be [num_rois, 4]');
    const r = rois.shape?.[0] ?? input(ctx, 2).shape?.[0];
    if (r === undefined) throw new OpError('RoiAlign needs the number of rois');
    const { output_height: oh, output_width: ow } = ctx.attrs;
    const c = ctx.attrs.layout === 'NHWC' ? x.shape![3]! : x.shape![1]!;
    return [{ dtype: x.dtype, shape: ctx.attrs.layout === 'NHWC' ? [r, oh, ow, c] : [r, c, oh, ow] }];
  },
  reference([x, rois, batchIndices], a) {
    if (!x || !rois || !batchIndices) throw new OpError('RoiAlign needs X, rois and batch_indices');
    if (x.shape.length !== 4 || rois.shape.length !== 2 || rois.shape[1] !== 4) {
      throw new OpError(`RoiAlign X [${x.shape}] / rois [${rois.shape}] have wrong ranks`);
    }
    const nhwc = a.layout === 'NHWC';
    const [N, C, H, W] = nhwc
      ? [x.shape[0]!, x.shape[3]!, x.shape[1]!, x.shape[2]!]
      : (x.shape as [number, number, number, number]);
    const R = rois.shape[0]!;
    const batch = toNumbers(batchIndices);
    if (batch.length !== R) throw new OpError(`batch_indices has ${batch.length} entries for ${R} rois`);
    const { output_height: oh, output_width: ow } = a;
    const outShape = nhwc ? [R, oh, ow, C] : [R, C, oh, ow];
    const out = floatBuffer(x.dtype, R * C * oh * ow);
    const data = decodeFloats(x);
    const boxes = decodeFloats(rois);
    const geo = { H, W, C, nhwc };
    for (let r = 0; r < R; r++) {
      const b = batch[r]!;
      if (!(b >= 0 && b < N)) throw new OpError(`batch index ${b} is out of range for batch ${N}`);
      const plan = binPlan(boxes.subarray(r * 4, r * 4 + 4), a, geo);
      const imageBase = b * H * W * C;
      for (let c = 0; c < C; c++) {
        const chan = imageBase + (nhwc ? c : c * H * W);
        for (let bin = 0; bin < oh * ow; bin++) {
          const v = pool(data, chan, plan, bin, a.mode === 'max');
          out[nhwc ? (r * oh * ow + bin) * C + c : (r * C + c) * oh * ow + bin] = v;
        }
      }
    }
    return [encodeFloats(x.dtype, outShape, out)];
  },
});

/** The bilinear samples of every bin of one roi: 4 offsets and weights a sample. */
interface BinPlan {
  readonly samplesPerBin: number;
  /** Divisor of the average: max(samples, 1) as in the reference. */
  readonly count: number;
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
}

interface Geo {
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly nhwc: boolean;
}

interface PlanAttrs {
  readonly coordinate_transformation_mode: string;
  readonly output_height: number;
  readonly output_width: number;
  readonly sampling_ratio: number;
  readonly spatial_scale: number;
}

function binPlan(box: ArrayLike<number>, a: PlanAttrs, g: Geo): BinPlan {
  const halfPixel = a.coordinate_transformation_mode === 'half_pixel';
  const shift = halfPixel ? 0.5 : 0;
  const x1 = box[0]! * a.spatial_scale - shift;
  const y1 = box[1]! * a.spatial_scale - shift;
  let roiW = box[2]! * a.spatial_scale - shift - x1;
  let roiH = box[3]! * a.spatial_scale - shift - y1;
  if (!halfPixel) {
    // the legacy mode forces malformed rois to 1x1
    roiW = Math.max(roiW, 1);
    roiH = Math.max(roiH, 1);
  }
  const { output_height: oh, output_width: ow } = a;
  const binH = roiH / oh;
  const binW = roiW / ow;
  const gridH = a.sampling_ratio > 0 ? a.sampling_ratio : Math.max(Math.ceil(roiH / oh), 0);
  const gridW = a.sampling_ratio > 0 ? a.sampling_ratio : Math.max(Math.ceil(roiW / ow), 0);
  const samplesPerBin = gridH * gridW;
  const offsets = new Int32Array(oh * ow * samplesPerBin * 4);
  const weights = new Float64Array(oh * ow * samplesPerBin * 4);
  let s = 0;
  for (let ph = 0; ph < oh; ph++) {
    for (let pw = 0; pw < ow; pw++) {
      for (let iy = 0; iy < gridH; iy++) {
        const y = y1 + ph * binH + ((iy + 0.5) * binH) / gridH;
        for (let ix = 0; ix < gridW; ix++, s += 4) {
          const x = x1 + pw * binW + ((ix + 0.5) * binW) / gridW;
          bilinear(y, x, g, offsets, weights, s);
        }
      }
    }
  }
  return { samplesPerBin, count: Math.max(samplesPerBin, 1), offsets, weights };
}

/** Corner offsets and weights of one sample; samples beyond a pixel outside the map weigh 0. */
function bilinear(y: number, x: number, g: Geo, offsets: Int32Array, weights: Float64Array, s: number): void {
  const { H, W } = g;
  if (y < -1 || y > H || x < -1 || x > W) return; // zero weights already
  y = Math.max(y, 0);
  x = Math.max(x, 0);
  let y0 = Math.trunc(y);
  let x0 = Math.trunc(x);
  let y1: number;
  let x1: number;
  if (y0 >= H - 1) y = y0 = y1 = H - 1;
  else y1 = y0 + 1;
  if (x0 >= W - 1) x = x0 = x1 = W - 1;
  else x1 = x0 + 1;
  const ly = y - y0;
  const lx = x - x0;
  const [hy, hx] = [1 - ly, 1 - lx];
  const step = g.nhwc ? g.C : 1;
  offsets[s] = (y0 * W + x0) * step;
  offsets[s + 1] = (y0 * W + x1) * step;
  offsets[s + 2] = (y1 * W + x0) * step;
  offsets[s + 3] = (y1 * W + x1) * step;
  weights[s] = hy * hx;
  weights[s + 1] = hy * lx;
  weights[s + 2] = ly * hx;
  weights[s + 3] = ly * lx;
}

/**
 * Avg sums the interpolated samples; max keeps the largest single weighted corner (w * v), not the
 * largest interpolated sample: that is what onnxruntime and the ONNX reference compute.
 */
function pool(
  data: Float32Array | Float64Array,
  chan: number,
  plan: BinPlan,
  bin: number,
  max: boolean,
): number {
  const { samplesPerBin, offsets, weights } = plan;
  let acc = 0;
  let first = true;
  for (let k = 0, s = bin * samplesPerBin * 4; k < samplesPerBin; k++, s += 4) {
    const v0 = weights[s]! * data[chan + offsets[s]!]!;
    const v1 = weights[s + 1]! * data[chan + offsets[s + 1]!]!;
    const v2 = weights[s + 2]! * data[chan + offsets[s + 2]!]!;
    const v3 = weights[s + 3]! * data[chan + offsets[s + 3]!]!;
    if (!max) acc += v0 + v1 + v2 + v3;
    else {
      const v = Math.max(v0, v1, v2, v3);
      acc = first ? v : Math.max(acc, v);
      first = false;
    }
  }
  return max ? acc : acc / plan.count;
}
