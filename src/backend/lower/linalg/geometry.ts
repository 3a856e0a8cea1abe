import type { Layout } from '../../../ops/linalg/layout.js';
import type { Window } from '../../../ops/linalg/window.js';
import { to3d } from '../../../ops/linalg/window.js';

/**
 * Static sliding-window geometry for the conv and pool lowerings, normalized to exactly three
 * spatial axes (leading unit axes), with element strides of both layouts.
 */
export type Triple = readonly [number, number, number];

export interface Geometry {
  /** Spatial rank of the node (1..3); the triples below are padded to 3. */
  readonly rank: number;
  readonly input: Triple;
  readonly output: Triple;
  readonly kernel: Triple;
  readonly strides: Triple;
  readonly dilations: Triple;
  readonly padBegin: Triple;
  readonly padEnd: Triple;
}

const triple = (xs: readonly number[]): Triple => [xs[0]!, xs[1]!, xs[2]!];

export function geometryOf(win: Window): Geometry {
  const w = to3d(win);
  return {
    rank: win.kernel.length,
    input: triple(w.input),
    output: triple(w.output),
    kernel: triple(w.kernel),
    strides: triple(w.strides),
    dilations: triple(w.dilations),
    padBegin: triple(w.padBegin),
    padEnd: triple(w.padEnd),
  };
}

export const volume = (t: Triple): number => t[0] * t[1] * t[2];

/** Element strides of an activation [N, C, D, H, W] (NCHW) or [N, D, H, W, C] (NHWC). */
export interface Strides {
  readonly n: number;
  readonly c: number;
  /** Per spatial axis d, h, w. */
  readonly s: Triple;
}

export function stridesOf(layout: Layout, channels: number, spatial: Triple): Strides {
  const [, h, w] = spatial;
  const plane = volume(spatial);
  if (layout === 'NHWC') return { n: plane * channels, c: 1, s: [h * w * channels, w * channels, channels] };
  return { n: plane * channels, c: plane, s: [h * w, w, 1] };
}

/**
 * A run of output positions along one axis whose windows see the same in-bounds taps [lo, hi)
 * (and, for count_include_pad, the same padded count): each run lowers to one loop with the tap
 * set known at compile time, so no kernel tests bounds per element.
 */
export interface Segment {
  readonly start: number;
  readonly count: number;
  readonly lo: number;
  readonly hi: number;
  /** Taps inside the explicitly padded extent. */
  readonly padded: number;
}

export function segments(g: Geometry, axis: number): Segment[] {
  const out = g.output[axis]!;
  const k = g.kernel[axis]!;
  const s = g.strides[axis]!;
  const d = g.dilations[axis]!;
  const n = g.input[axis]!;
  const pb = g.padBegin[axis]!;
  const pe = g.padEnd[axis]!;
  const segs: Segment[] = [];
  for (let o = 0; o < out; o++) {
    const start = o * s - pb;
    const first = start >= 0 ? 0 : Math.ceil(-start / d);
    const last = Math.min(k, Math.floor((n - 1 - start) / d) + 1);
    const lo = Math.min(first, k);
    const hi = Math.max(last, lo);
    let padded = 0;
    for (let j = 0; j < k; j++) {
      const pos = start + j * d;
      if (pos >= -pb && pos < n + pe) padded++;
    }
    const prev = segs[segs.length - 1];
    if (prev && prev.lo === lo && prev.hi === hi && prev.padded === padded) {
      segs[segs.length - 1] = { ...prev, count: prev.count + 1 };
    } else segs.push({ start: o, count: 1, lo, hi, padded });
  }
  return segs;
}

/** A block of output rows (depth x height) small enough for one im2col buffer. */
export interface RowTile {
  readonly d0: number;
  readonly dn: number;
  readonly h0: number;
  readonly hn: number;
}

/** Tiles cover whole depth slabs, or one slab in runs of rows, so each tile is contiguous in the output. */
export function rowTiles(depth: number, height: number, rowsPerTile: number): RowTile[] {
  const tiles: RowTile[] = [];
  if (rowsPerTile >= height) {
    const slabs = Math.max(1, Math.floor(rowsPerTile / height));
    for (let d0 = 0; d0 < depth; d0 += slabs)
      tiles.push({ d0, dn: Math.min(slabs, depth - d0), h0: 0, hn: height });
    return tiles;
  }
  for (let d0 = 0; d0 < depth; d0++) {
    for (let h0 = 0; h0 < height; h0 += rowsPerTile)
      tiles.push({ d0, dn: 1, h0, hn: Math.min(rowsPerTile, height - h0) });
  }
  return tiles;
}

/** `3x3s2`, `1x7`, `3x3s1x2d2`: the window part of a kernel name. */
export function windowTag(g: Geometry): string {
  const part = (xs: Triple): string => {
    const v = xs.slice(3 - g.rank);
    return v.every((x) => x === v[0]) ? `${v[0]}` : v.join('x');
  };
  let tag = g.kernel.slice(3 - g.rank).join('x');
  if (g.strides.some((s) => s !== 1)) tag += `s${part(g.strides)}`;
  if (g.dilations.some((d) => d !== 1)) tag += `d${part(g.dilations)}`;
  return tag;
}
