import type { FloatArray } from './gemm-kernel.js';
import type { Window } from './window.js';
import { to3d } from './window.js';

/**
 * im2col / col2im over 3-D geometry (1-D and 2-D are padded with unit axes). The column matrix has
 * one row per (channel, kd, kh, kw) and one column per block position (bd, bh, bw). Conv gathers
 * (image = its input, blocks = its output); ConvTranspose and Col2Im scatter-add (image = their
 * output, blocks = their input).
 */
export interface Patches extends Pick<Window, 'kernel' | 'strides' | 'dilations' | 'padBegin'> {
  readonly image: readonly number[];
  readonly blocks: readonly number[];
}

/** Conv's patches: gather from its input at each output position. */
export function convPatches(w: Window): Patches {
  const w3 = to3d(w);
  return { ...w3, image: w3.input, blocks: w3.output };
}

export function kernelVolume(p: Patches): number {
  return p.kernel[0]! * p.kernel[1]! * p.kernel[2]!;
}

/** For kernel tap kw along the innermost axis, the block range [lo, hi) whose pixel is inside the image. */
export function innerRange(p: Patches, kw: number): [number, number] {
  const s = p.strides[2]!;
  const off = kw * p.dilations[2]! - p.padBegin[2]!;
  const lo = Math.max(0, Math.ceil(-off / s));
  const hi = Math.min(p.blocks[2]!, Math.floor((p.image[2]! - 1 - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Gathers block rows [r0, r1) (a row is one (bd, bh) pair of BW blocks) of `channels` image
 * channels starting at x[xOff] into col, shaped [channels * kernelVolume, (r1 - r0) * BW].
 */
export function im2col(
  x: FloatArray,
  xOff: number,
  channels: number,
  p: Patches,
  r0: number,
  r1: number,
  col: FloatArray,
): void {
  movePatches('gather', x, xOff, col, 0, channels, p, r0, r1);
}

/**
 * Adds col (block rows [r0, r1): [channels * kernelVolume, (r1 - r0) * BW] starting at col[colOff])
 * into the image planes at out[outOff]; taps landing in the padding are dropped.
 */
export function col2imAdd(
  col: FloatArray,
  colOff: number,
  channels: number,
  p: Patches,
  out: FloatArray,
  outOff: number,
  r0 = 0,
  r1 = p.blocks[0]! * p.blocks[1]!,
): void {
  movePatches('scatterAdd', out, outOff, col, colOff, channels, p, r0, r1);
}

/**
 * The walk both directions share: each column row (c, kd, kh, kw) against each block row, the
 * image row it reads or writes found once per row, so the inner loops are contiguous runs. A
 * gather zero-fills what lies in the padding; a scatter-add drops it.
 */
function movePatches(
  direction: 'gather' | 'scatterAdd',
  image: FloatArray,
  imageOff: number,
  col: FloatArray,
  colOff: number,
  channels: number,
  p: Patches,
  r0: number,
  r1: number,
): void {
  const [ID, IH, IW] = p.image as [number, number, number];
  const [, BH, BW] = p.blocks as [number, number, number];
  const [KD, KH, KW] = p.kernel as [number, number, number];
  const [sd, sh, sw] = p.strides as [number, number, number];
  const [dd, dh, dw] = p.dilations as [number, number, number];
  const [pd, ph, pw] = p.padBegin as [number, number, number];
  const gather = direction === 'gather';
  const ncols = (r1 - r0) * BW;
  const ranges = Array.from({ length: KW }, (_, kw) => innerRange(p, kw));
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const plane = imageOff + c * ID * IH * IW;
    for (let kd = 0; kd < KD; kd++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++, row++) {
          const [lo, hi] = ranges[kw]!;
          const tap = kw * dw - pw;
          let pc = colOff + row * ncols;
          for (let r = r0; r < r1; r++, pc += BW) {
            const id = Math.floor(r / BH) * sd - pd + kd * dd;
            const ih = (r % BH) * sh - ph + kh * dh;
            const inside = id >= 0 && id < ID && ih >= 0 && ih < IH;
            const pi = plane + (id * IH + ih) * IW + tap;
            if (!gather) {
              if (!inside) continue;
              if (sw === 1) for (let b = lo; b < hi; b++) image[pi + b] += col[pc + b]!;
              else for (let b = lo; b < hi; b++) image[pi + b * sw] += col[pc + b]!;
            } else if (!inside || lo >= hi) {
              col.fill(0, pc, pc + BW);
            } else {
              if (lo > 0) col.fill(0, pc, pc + lo);
              if (sw === 1) for (let b = lo; b < hi; b++) col[pc + b] = image[pi + b]!;
              else for (let b = lo; b < hi; b++) col[pc + b] = image[pi + b * sw]!;
              if (hi < BW) col.fill(0, pc + hi, pc + BW);
            }
          }
        }
      }
    }
  }
}
