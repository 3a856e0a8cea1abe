import { gemm, view, type FloatArray } from './gemm-kernel.js';
import { col2imAdd, im2col, innerRange, kernelVolume, type Patches } from './patches.js';

/**
 * Float convolution kernels, channels-first, for Float32Array (computed in float64, rounded once)
 * and Float64Array. Conv is im2col + GEMM per group, tiled over output rows so the column buffer
 * stays near COL_BUDGET elements whatever the image size; a 1x1 stride-1 unpadded conv (most of
 * MobileNet's work) is a GEMM straight on the input, and a depthwise conv a direct loop.
 * Measured (Node 20): 1x32x112x112 -> 32, 3x3 ~80 ms; depthwise 3x3 on 1x96x112x112 ~25 ms.
 */
const COL_BUDGET = 1 << 20;

export interface ConvShapes {
  /** [N, C, ...spatial] of the input. */
  readonly x: readonly number[];
  /** [M, C/group, ...kernel] for Conv, [C, M/group, ...kernel] for ConvTranspose. */
  readonly w: readonly number[];
  readonly group: number;
}

function like(x: FloatArray, n: number): FloatArray {
  return x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

function volume(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Tiles [r0, r1) of block rows, each at most `rows` long, so that a column buffer of colRows rows
 * stays near COL_BUDGET elements.
 */
function rowTiles(p: Patches, colRows: number): { rows: number; tiles: [number, number][] } {
  const total = p.blocks[0]! * p.blocks[1]!;
  const rows = Math.max(1, Math.min(total, Math.floor(COL_BUDGET / Math.max(1, colRows * p.blocks[2]!))));
  const tiles: [number, number][] = [];
  for (let r0 = 0; r0 < total; r0 += rows) tiles.push([r0, Math.min(total, r0 + rows)]);
  return { rows, tiles };
}

/** Y[N, M, ...out] of a grouped convolution whose geometry is `p` (image = input, blocks = output). */
export function convFloat(
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | undefined,
  s: ConvShapes,
  p: Patches,
): FloatArray {
  const [N, C] = s.x as [number, number];
  const M = s.w[0]!;
  const G = s.group;
  const Cg = C / G;
  const Mg = M / G;
  const sIn = volume(p.image);
  const sOut = volume(p.blocks);
  const KK = Cg * kernelVolume(p);
  if (Cg === 1) {
    const y = depthwiseFloat(x, w, s, p);
    if (bias) addChannelBias(y, bias, N, M, sOut);
    return y;
  }
  const y = like(x, N * M * sOut);
  const pointwise =
    KK === Cg && p.strides.every((v) => v === 1) && p.padBegin.every((v) => v === 0) && sIn === sOut;
  const BW = p.blocks[2]!;
  const tiling = rowTiles(p, KK);
  const col = pointwise ? undefined : like(x, KK * tiling.rows * BW);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const wg = view(w, g * Mg * KK, KK);
      const xOff = (n * C + g * Cg) * sIn;
      const yOff = (n * M + g * Mg) * sOut;
      if (!col) {
        gemm(Mg, sOut, Cg, wg, view(x, xOff, sIn), view(y, yOff, sOut));
        continue;
      }
      for (const [r0, r1] of tiling.tiles) {
        const cols = (r1 - r0) * BW;
        im2col(x, xOff, Cg, p, r0, r1, col);
        gemm(Mg, cols, KK, wg, view(col, 0, cols), view(y, yOff + r0 * BW, sOut));
      }
    }
  }
  if (bias) addChannelBias(y, bias, N, M, sOut);
  return y;
}

/**
 * One input channel per group (depthwise, any channel multiplier): im2col would copy each pixel
 * kernelVolume times for a GEMM with a single row, so convolve directly, one kernel tap at a time,
 * over contiguous output rows with precomputed in-bounds ranges; float64 accumulation plane.
 */
function depthwiseFloat(x: FloatArray, w: FloatArray, s: ConvShapes, p: Patches): FloatArray {
  const [N, C] = s.x as [number, number];
  const M = s.w[0]!;
  const Mg = M / s.group;
  const [ID, IH, IW] = p.image as [number, number, number];
  const [OD, OH, OW] = p.blocks as [number, number, number];
  const [KD, KH, KW] = p.kernel as [number, number, number];
  const [sd, sh, sw] = p.strides as [number, number, number];
  const [dd, dh, dw] = p.dilations as [number, number, number];
  const [pd, ph, pw] = p.padBegin as [number, number, number];
  const sIn = ID * IH * IW;
  const sOut = OD * OH * OW;
  const kv = KD * KH * KW;
  const ranges = Array.from({ length: KW }, (_, kw) => innerRange(p, kw));
  const acc = new Float64Array(sOut);
  const y = like(x, N * M * sOut);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const plane = (n * C + Math.floor(m / Mg)) * sIn;
      acc.fill(0);
      for (let t = 0; t < kv; t++) {
        const kd = Math.floor(t / (KH * KW));
        const kh = Math.floor(t / KW) % KH;
        const kw = t % KW;
        const wv = w[m * kv + t]!;
        const [lo, hi] = ranges[kw]!;
        for (let od = 0; od < OD; od++) {
          const id = od * sd - pd + kd * dd;
          if (id < 0 || id >= ID) continue;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - ph + kh * dh;
            if (ih < 0 || ih >= IH) continue;
            const src = plane + (id * IH + ih) * IW + kw * dw - pw;
            const dst = (od * OH + oh) * OW;
            for (let ow = lo; ow < hi; ow++) acc[dst + ow] += wv * x[src + ow * sw]!;
          }
        }
      }
      y.set(acc, (n * M + m) * sOut);
    }
  }
  return y;
}

/**
 * ConvTranspose as the adjoint of convFloat: per group, columns = W_g^T @ X_g, then scatter-add
 * into the output (image = output, blocks = input). Output size comes from `p.image`.
 */
export function convTransposeFloat(
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | undefined,
  s: ConvShapes,
  p: Patches,
): FloatArray {
  const [N, C] = s.x as [number, number];
  const G = s.group;
  const Cg = C / G;
  const Mg = s.w[1]!;
  const M = Mg * G;
  const kv = kernelVolume(p);
  const sIn = volume(p.blocks);
  const sOut = volume(p.image);
  const rowsW = Mg * kv;
  const y = like(x, N * M * sOut);
  const BW = p.blocks[2]!;
  const tiling = rowTiles(p, rowsW);
  const col = like(x, rowsW * tiling.rows * BW);
  const wt = like(w, rowsW * Cg);
  for (let g = 0; g < G; g++) {
    // W_g is [Cg, Mg*kv] row-major; the GEMM wants its transpose
    const base = g * Cg * rowsW;
    for (let c = 0; c < Cg; c++) for (let r = 0; r < rowsW; r++) wt[r * Cg + c] = w[base + c * rowsW + r]!;
    for (let n = 0; n < N; n++) {
      const xOff = (n * C + g * Cg) * sIn;
      for (const [r0, r1] of tiling.tiles) {
        const cols = (r1 - r0) * BW;
        gemm(rowsW, cols, Cg, view(wt, 0, Cg), view(x, xOff + r0 * BW, sIn), view(col, 0, cols));
        col2imAdd(col, 0, Mg, p, y, (n * M + g * Mg) * sOut, r0, r1);
      }
    }
  }
  if (bias) addChannelBias(y, bias, N, M, sOut);
  return y;
}

export function addChannelBias(
  y: FloatArray,
  bias: ArrayLike<number>,
  N: number,
  M: number,
  plane: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const b = bias[m]!;
      const off = (n * M + m) * plane;
      for (let i = 0; i < plane; i++) y[off + i] += b;
    }
  }
}
