import { antialiasStart, antialiasWeights, cubicWeights } from './resize-cubic.js';
import { inputCoordinate, type CoordinateMode } from './resize-coordinates.js';

export type ResizeMode = 'nearest' | 'linear' | 'cubic';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

export interface AxisOptions {
  readonly mode: ResizeMode;
  readonly coordinateMode: CoordinateMode;
  readonly nearestMode: NearestMode;
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  readonly antialias: boolean;
}

/**
 * How one axis is resampled: output index j reads input indices index[j*width + t] (already clamped
 * to the edge, as the reference pads with 'edge') with weights weight[j*width + t]. `outside[j]`
 * marks tf_crop_and_resize positions that take the extrapolation value instead.
 */
export interface AxisTaps {
  readonly inLen: number;
  readonly outLen: number;
  readonly width: number;
  readonly index: Int32Array;
  readonly weight: Float64Array;
  readonly outside: Uint8Array | undefined;
}

function tapsWidth(o: AxisOptions, scale: number): number {
  if (o.mode === 'nearest') return 1;
  if (!o.antialias) return o.mode === 'linear' ? 2 : 4;
  return 2 - 2 * antialiasStart(o.mode === 'linear' ? 1 : 2, scale);
}

/** Nearest picks base (the pixel at or left of x) or base + 1 by the rounding rule; ratio is in (0, 1]. */
function nearestOffset(ratio: number, rule: NearestMode): number {
  if (ratio === 1) return 1;
  switch (rule) {
    case 'round_prefer_floor':
      return ratio <= 0.5 ? 0 : 1;
    case 'round_prefer_ceil':
      return ratio < 0.5 ? 0 : 1;
    case 'floor':
      return 0;
    case 'ceil':
      return 1;
  }
}

export function axisTaps(
  o: AxisOptions,
  inLen: number,
  outLen: number,
  scale: number,
  roiStart: number,
  roiExtent: number,
): AxisTaps {
  const width = tapsWidth(o, scale);
  const index = new Int32Array(outLen * width);
  const weight = new Float64Array(outLen * width);
  const tf = o.coordinateMode === 'tf_crop_and_resize';
  const outside = tf ? new Uint8Array(outLen) : undefined;
  const w = new Float64Array(width);
  const last = inLen - 1;
  for (let j = 0; j < outLen; j++) {
    const x = inputCoordinate(o.coordinateMode, j, scale, inLen, outLen, roiStart, roiExtent);
    if (tf && (x < 0 || x > last)) {
      outside![j] = 1;
      continue;
    }
    const base = Math.ceil(x) - 1;
    const ratio = x - base;
    let start: number;
    if (o.mode === 'nearest') {
      start = nearestOffset(ratio, o.nearestMode);
      w[0] = 1;
    } else if (o.antialias) {
      start = antialiasWeights(o.mode, ratio, scale, o.cubicA, w);
    } else if (o.mode === 'linear') {
      start = 0;
      w[0] = 1 - ratio;
      w[1] = ratio;
    } else {
      start = -1;
      cubicWeights(ratio, o.cubicA, w);
    }
    if (o.excludeOutside && o.mode !== 'nearest') excludeOutside(w, base + start, inLen);
    for (let t = 0; t < width; t++) {
      const i = base + start + t;
      index[j * width + t] = i < 0 ? 0 : i > last ? last : i;
      weight[j * width + t] = w[t]!;
    }
  }
  return { inLen, outLen, width, index, weight, outside };
}

/** exclude_outside: taps beyond the input get weight 0 and the rest are renormalized to sum 1. */
function excludeOutside(w: Float64Array, first: number, inLen: number): void {
  let sum = 0;
  for (let t = 0; t < w.length; t++) {
    const i = first + t;
    if (i < 0 || i >= inLen) w[t] = 0;
    sum += w[t]!;
  }
  if (sum !== 0) for (let t = 0; t < w.length; t++) w[t] = w[t]! / sum;
}

/** True when the axis maps every output index to the same input index with weight 1. */
export function isIdentity(t: AxisTaps): boolean {
  if (t.inLen !== t.outLen || t.outside?.includes(1)) return false;
  for (let j = 0; j < t.outLen; j++) {
    for (let k = 0; k < t.width; k++) {
      const wt = t.weight[j * t.width + k]!;
      if (wt !== 0 && (wt !== 1 || t.index[j * t.width + k] !== j)) return false;
    }
  }
  return true;
}
