import { OpError } from '../op.js';

/**
 * Resize geometry (ONNX Resize-19): the output shape, the per-axis scale, and the map from an output
 * index to a fractional input coordinate. Shared by shape inference and the reference kernel so
 * both agree on every rounding decision.
 */
export const COORDINATE_MODES = [
  'half_pixel',
  'half_pixel_symmetric',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_crop_and_resize',
] as const;
export type CoordinateMode = (typeof COORDINATE_MODES)[number];

export const ASPECT_POLICIES = ['stretch', 'not_larger', 'not_smaller'] as const;
export type AspectPolicy = (typeof ASPECT_POLICIES)[number];

export interface ResizeTarget {
  readonly outShape: number[];
  /** Scale per dim (1 for dims not resized): the value coordinate transforms divide by. */
  readonly scales: number[];
}

/**
 * Output shape and scales from either `scales` or `sizes`, both listed per entry of `axes`.
 * Scales give floor(in * scale) (the spec's rounding, in float64 like the ONNX reference);
 * sizes give the scale out / in, or one common scale under a keep_aspect_ratio_policy, whose
 * sizes are then rounded half up.
 */
export function resizeTarget(
  inShape: readonly number[],
  axes: readonly number[],
  scales: readonly number[] | undefined,
  sizes: readonly number[] | undefined,
  policy: AspectPolicy,
): ResizeTarget {
  const outShape = [...inShape];
  const perDim = inShape.map(() => 1);
  if (scales) {
    if (scales.length !== axes.length)
      throw new OpError(`scales has ${scales.length} entries for ${axes.length} axes`);
    axes.forEach((d, i) => {
      const s = scales[i]!;
      if (!(s > 0)) throw new OpError(`scale ${s} must be positive`);
      perDim[d] = s;
      outShape[d] = Math.floor(inShape[d]! * s);
    });
    return { outShape, scales: perDim };
  }
  if (!sizes) throw new OpError('Resize needs scales or sizes');
  if (sizes.length !== axes.length)
    throw new OpError(`sizes has ${sizes.length} entries for ${axes.length} axes`);
  if (sizes.some((s) => !(s >= 0) || !Number.isInteger(s)))
    throw new OpError(`sizes [${sizes}] must be non-negative integers`);
  const ratios = axes.map((d, i) => sizes[i]! / inShape[d]!);
  if (policy === 'stretch') {
    axes.forEach((d, i) => {
      perDim[d] = ratios[i]!;
      outShape[d] = sizes[i]!;
    });
    return { outShape, scales: perDim };
  }
  const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  for (const d of axes) {
    perDim[d] = scale;
    outShape[d] = Math.floor(scale * inShape[d]! + 0.5);
  }
  return { outShape, scales: perDim };
}

/**
 * The input coordinate of output index `x` along one axis; `roiExtent` is roi end - start (computed
 * in the roi's own precision by the caller). `scale` is the axis scale, so the
 * "output width" of align_corners and tf_crop_and_resize is the unrounded scale * inLen, as in the
 * ONNX reference (downsampling 4 -> 2 by 0.6 divides by 1.4, not by 1).
 */
export function inputCoordinate(
  mode: CoordinateMode,
  x: number,
  scale: number,
  inLen: number,
  outLen: number,
  roiStart: number,
  roiExtent: number,
): number {
  const outWidth = scale * inLen;
  switch (mode) {
    case 'half_pixel':
      return (x + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel':
      return outWidth === 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      // keeps the centre of the input under the centre of the output when outLen was rounded down
      const adjustment = outLen / outWidth;
      const offset = (inLen / 2) * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case 'align_corners':
      return outWidth === 1 ? 0 : (x * (inLen - 1)) / (outWidth - 1);
    case 'asymmetric':
      return x / scale;
    case 'tf_crop_and_resize': {
      // same association as the reference, so a coordinate that lands exactly on the last pixel
      // is not pushed outside (and into extrapolation) by rounding
      const local =
        outWidth === 1 ? (roiExtent * (inLen - 1)) / 2 : (x * roiExtent * (inLen - 1)) / (outWidth - 1);
      return local + roiStart * (inLen - 1);
    }
  }
}
