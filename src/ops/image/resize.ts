import { isStaticShape, freshDim, type Dim, type TensorType } from '../../ir/shape.js';
import { tensor, toNumbers, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, OpUnsupported, type InferContext } from '../op.js';
import { normalizeAxes } from '../support/axes.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { ASPECT_POLICIES, COORDINATE_MODES, resizeTarget, type AspectPolicy } from './resize-coordinates.js';
import { resizeNearest, resizeSeparable } from './resize-kernel.js';
import { axisTaps, isIdentity, type AxisOptions, type AxisTaps } from './resize-taps.js';

/**
 * Resize (opset 19 semantics; older spellings and Upsample are rewritten by the ONNX frontend's
 * image upgrades). Inputs: X, roi, scales, sizes; an empty scales/roi tensor counts as absent, as
 * opsets 11-12 required placeholders.
 *
 * Layout: `layout` is metadata for the backend (an NHWC model resizes dims 1 and 2). Scales, sizes,
 * roi and axes already name dims explicitly, so the reference result depends only on them and is
 * the same for either layout.
 */
const attrs = {
  mode: attr.string('nearest', ['nearest', 'linear', 'cubic']),
  coordinate_transformation_mode: attr.string('half_pixel', COORDINATE_MODES),
  nearest_mode: attr.string('round_prefer_floor', [
    'round_prefer_floor',
    'round_prefer_ceil',
    'floor',
    'ceil',
  ]),
  cubic_coeff_a: attr.float(-0.75),
  exclude_outside: attr.int(0),
  extrapolation_value: attr.float(0),
  antialias: attr.int(0),
  axes: attr.ints(),
  keep_aspect_ratio_policy: attr.string('stretch', ASPECT_POLICIES),
  layout: attr.layout(),
};

type ResizeAttrs = {
  readonly axes: readonly number[] | undefined;
  readonly antialias: number;
  readonly mode: string;
};

function resizeAxes(a: ResizeAttrs, rank: number): number[] {
  if (a.antialias && a.mode === 'nearest') throw new OpError('antialias is not defined for mode nearest');
  return a.axes ? normalizeAxes(a.axes, rank) : Array.from({ length: rank }, (_, i) => i);
}

/** An optional input that is present and not the empty placeholder. */
function given(t: Tensor | undefined): t is Tensor {
  return t !== undefined && t.data.length > 0;
}

type InferAttrs = ResizeAttrs & { readonly keep_aspect_ratio_policy: AspectPolicy };

function inferResize(ctx: InferContext<InferAttrs>): TensorType[] {
  const x = input(ctx, 0);
  const scalesType = ctx.inputs[2];
  const hasScales =
    scalesType !== undefined && !(scalesType.shape?.length === 1 && scalesType.shape[0] === 0);
  const hasSizes = ctx.inputs[3] !== undefined;
  if (hasScales === hasSizes) throw new OpError('Resize needs exactly one of scales and sizes');
  const sizes = ctx.constants[3];
  const policy = ctx.attrs.keep_aspect_ratio_policy;
  if (!x.shape) {
    // unknown rank: only full-rank stretch sizes pin the shape
    const full = hasSizes && sizes && !ctx.attrs.axes && policy === 'stretch';
    return [{ dtype: x.dtype, shape: full ? toNumbers(sizes) : undefined }];
  }
  const axes = resizeAxes(ctx.attrs, x.shape.length);
  const dims = axes.map((d) => x.shape![d]!);
  const resized = hasScales ? scaledDims(dims, ctx.constants[2]) : sizedDims(dims, sizes, policy);
  const out: Dim[] = [...x.shape];
  axes.forEach((d, i) => (out[d] = resized[i]!));
  return [{ dtype: x.dtype, shape: out }];
}

/** floor(dim * scale) per resized dim; a symbol survives only a scale of exactly 1. */
function scaledDims(dims: readonly Dim[], scales: Tensor | undefined): Dim[] {
  if (!scales) return dims.map(() => freshDim('resize'));
  const s = toNumbers(scales);
  if (s.length !== dims.length) throw new OpError(`scales has ${s.length} entries for ${dims.length} axes`);
  return dims.map((dim, i) =>
    typeof dim === 'number' ? Math.floor(dim * s[i]!) : s[i] === 1 ? dim : freshDim('resize'),
  );
}

function sizedDims(dims: readonly Dim[], sizes: Tensor | undefined, policy: AspectPolicy): Dim[] {
  if (!sizes) return dims.map(() => freshDim('resize'));
  const s = toNumbers(sizes);
  if (s.length !== dims.length) throw new OpError(`sizes has ${s.length} entries for ${dims.length} axes`);
  if (policy === 'stretch') return s;
  // a kept aspect ratio depends on every resized input dim
  if (!isStaticShape(dims)) return dims.map(() => freshDim('resize'));
  const all = dims.map((_, i) => i);
  return resizeTarget(dims, all, undefined, s, policy).outShape;
}

export const resizeOp = defineOp({
  type: 'Resize',
  attrs,
  arity: { inputs: [1, 4], outputs: [1, 1] },
  infer: inferResize,
  reference([x, roi, scales, sizes], a) {
    if (!x) throw new OpError('Resize needs X');
    const rank = x.shape.length;
    const axes = resizeAxes(a, rank);
    const hasScales = given(scales);
    if (hasScales === given(sizes)) throw new OpError('Resize needs exactly one of scales and sizes');
    const target = resizeTarget(
      x.shape,
      axes,
      hasScales ? toNumbers(scales) : undefined,
      hasScales ? undefined : toNumbers(sizes!),
      a.keep_aspect_ratio_policy,
    );
    const opts: AxisOptions = {
      mode: a.mode,
      coordinateMode: a.coordinate_transformation_mode,
      nearestMode: a.nearest_mode,
      cubicA: a.cubic_coeff_a,
      excludeOutside: a.exclude_outside !== 0,
      antialias: a.antialias !== 0,
    };
    const roiOf = roiReader(
      a.coordinate_transformation_mode === 'tf_crop_and_resize' ? roi : undefined,
      axes,
    );
    const taps: (AxisTaps | undefined)[] = x.shape.map((inLen, d) => {
      const outLen = target.outShape[d]!;
      if (inLen === 0 || outLen === 0) return undefined;
      const [start, extent] = roiOf(d);
      const t = axisTaps(opts, inLen, outLen, target.scales[d]!, start, extent);
      return isIdentity(t) ? undefined : t;
    });
    const { outShape } = target;
    if (outShape.some((n, d) => n > 0 && x.shape[d] === 0))
      throw new OpUnsupported('Resize of an empty input to a non-empty output');
    if (a.mode === 'nearest') {
      return [
        tensor(
          x.dtype,
          outShape,
          resizeNearest(x.dtype, x.data, x.shape, outShape, taps, a.extrapolation_value),
        ),
      ];
    }
    const values = resizeSeparable(decodeFloats(x), x.shape, taps, a.extrapolation_value);
    return [encodeFloats(x.dtype, outShape, values)];
  },
});

/**
 * Per dim (start, end - start) of the tf_crop_and_resize roi, laid out [starts..., ends...] over
 * `axes`; dims outside axes keep the full range. The extent of a float32 roi is a float32
 * difference, as in the ONNX reference.
 */
function roiReader(roi: Tensor | undefined, axes: readonly number[]): (d: number) => [number, number] {
  if (!given(roi)) {
    return () => [0, 1];
  }
  const r = toNumbers(roi);
  if (r.length !== 2 * axes.length)
    throw new OpError(`roi has ${r.length} entries, expected ${2 * axes.length}`);
  const f32 = roi.dtype === 'float32';
  const byDim = new Map<number, [number, number]>();
  axes.forEach((d, i) => {
    const start = r[i]!;
    const end = r[axes.length + i]!;
    byDim.set(d, [start, f32 ? Math.fround(end - start) : end - start]);
  });
  return (d) => byDim.get(d) ?? [0, 1];
}
