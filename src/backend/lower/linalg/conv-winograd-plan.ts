import type { Layout } from '../../../ops/linalg/layout.js';
import type { ConvPlan } from './conv-plan.js';
import { rowTiles, type RowTile } from './geometry.js';
import { chooseTile, type Tile } from './gemm-tile.js';
import { F2X2, F4X4, type WinogradTile } from './conv-winograd-transforms.js';

/**
 * When a 3x3 conv runs as Winograd F(m x m, 3 x 3), and how its tiles are laid out. The input is
 * copied once, zero-padded and channels-last, to [N][Hp][Wp][C] with Hp = m*TH + 2 and
 * Wp = m*TW + 2 (TH x TW output tiles per image), so every alpha x alpha input tile is in bounds and
 * every transform runs four channels per SIMD step with contiguous loads and stores.
 */
export const winogradTuning = {
  /**
   * Elements of each transform scratch, alpha^2 x tiles x channels: images and tile rows are
   * processed in blocks under it (8 MiB of float32, like the im2col budget). Tests shrink it.
   */
  budget: 1 << 21,
  /**
   * Channels per group, in and out, below which the transforms outweigh the GEMMs (measured: with
   * 8 channels at 56x56 Winograd still takes half the time of im2col; depthwise convs have their
   * own kernels).
   */
  minChannels: 8,
  /**
   * The cost of streaming a block's alpha^2 weight matrices once, in tiles of GEMM work: the cost
   * model (see winogradCost) is alpha^2 x (tiles + weightTiles) per block against im2col's 9 x
   * pixels. Fitted on resnet18 at batch 1, where weights come cold from memory: 8 keeps F(4x4) at
   * 14x14 (16 tiles; F(2x2) there made the model 30% slower) and picks F(2x2) at 7x7 (as fast as
   * F(4x4) in the model, with 2.25x fewer weight bytes); 512x4x4 stays on im2col.
   */
  weightTiles: 8,
  /**
   * Most transformed weights (alpha^2 x Cg x M float32 elements) one conv may keep in the NEFF:
   * F(4x4) stores 4x the weights (F(2x2) 1.8x), which costs file size, load time and memory.
   */
  maxWeights: Infinity,
  /** Off switch for measurements. */
  enabled: true,
};

export interface WinogradPlan {
  readonly tile: WinogradTile;
  readonly layout: Layout;
  readonly N: number;
  readonly C: number;
  readonly M: number;
  readonly G: number;
  readonly Cg: number;
  readonly Mg: number;
  readonly H: number;
  readonly W: number;
  readonly OH: number;
  readonly OW: number;
  readonly padTop: number;
  readonly padLeft: number;
  /** Output tiles per image down and across. */
  readonly TH: number;
  readonly TW: number;
  /** Rows and columns of the padded channels-last input. */
  readonly Hp: number;
  readonly Wp: number;
  /** Blocks of images (d) and tile rows (h) whose transforms fit the budget. */
  readonly blocks: readonly RowTile[];
  /** Register tile of the GEMMs Mo[tiles, Mg] = V[tiles, Cg] x U[Cg, Mg] (U's panel width). */
  readonly gemmTile: Tile;
  /** Kernel-name stem: `conv2d_3x3_wino4x4` (plus `_nhwc`). */
  readonly stem: string;
}

/** A 2-D 3x3 conv with stride 1 and dilation 1 (any padding and groups): what Winograd computes. */
export function isWinogradShape(p: ConvPlan): boolean {
  const g = p.g;
  return (
    g.rank === 2 &&
    g.kernel[1] === 3 &&
    g.kernel[2] === 3 &&
    g.strides.every((s) => s === 1) &&
    g.dilations.every((d) => d === 1) &&
    g.output[1] > 0 &&
    g.output[2] > 0
  );
}

/** The Winograd plan for a conv, or undefined when the im2col GEMM is the better (or only) choice. */
export function winogradPlan(p: ConvPlan, t = winogradTuning): WinogradPlan | undefined {
  if (!t.enabled || !isWinogradShape(p)) return undefined;
  if (p.Cg < t.minChannels || p.Mg < t.minChannels) return undefined;
  const plans = [F4X4, F2X2]
    .map((tile) => planFor(p, tile, t))
    .filter((w): w is WinogradPlan => w !== undefined)
    .filter((w) => w.tile.alpha * w.tile.alpha * p.Cg * p.M <= t.maxWeights);
  const best = plans.reduce<WinogradPlan | undefined>(
    (a, w) => (a && winogradCost(a, t) <= winogradCost(w, t) ? a : w),
    undefined,
  );
  const im2col = 9 * p.N * p.g.output[1] * p.g.output[2];
  return best && winogradCost(best, t) < im2col ? best : undefined;
}

/**
 * Multiplies per input and output channel pair, counting the padding tiles, plus the weights'
 * streaming in tiles' worth per block: comparable with im2col's 9 x pixels.
 */
export function winogradCost(w: WinogradPlan, t = winogradTuning): number {
  const a2 = w.tile.alpha * w.tile.alpha;
  return a2 * (w.N * w.TH * w.TW + t.weightTiles * w.blocks.length);
}

/** The plan with a given tile, or undefined when one row of tiles alone is far over the budget. */
export function planFor(p: ConvPlan, tile: WinogradTile, t = winogradTuning): WinogradPlan | undefined {
  const { m, alpha } = tile;
  const [, H, W] = p.g.input;
  const [, OH, OW] = p.g.output;
  const TH = Math.ceil(OH / m);
  const TW = Math.ceil(OW / m);
  const perRow = alpha * alpha * Math.max(p.C, p.M) * TW;
  if (perRow > 4 * t.budget) return undefined;
  const blocks = rowTiles(p.N, TH, Math.max(1, Math.floor(t.budget / perRow)));
  const tiles = Math.max(...blocks.map((b) => b.dn * b.hn)) * TW;
  const nhwc = p.layout === 'NHWC' ? '_nhwc' : '';
  return {
    tile,
    layout: p.layout,
    N: p.N,
    C: p.C,
    M: p.M,
    G: p.G,
    Cg: p.Cg,
    Mg: p.Mg,
    H,
    W,
    OH,
    OW,
    padTop: p.g.padBegin[1],
    padLeft: p.g.padBegin[2],
    TH,
    TW,
    Hp: m * TH + 2,
    Wp: m * TW + 2,
    blocks,
    gemmTile: chooseTile(tiles, p.Mg, p.Cg),
    stem: `conv2d_3x3_${tile.name}${nhwc}`,
  };
}

/** Tiles of the largest block: the rows of every GEMM. */
export function tilesPerBlock(w: WinogradPlan): number {
  return Math.max(...w.blocks.map((b) => b.dn * b.hn)) * w.TW;
}

/**
 * Elements from one tile position's matrix to the next in V and Mo: tiles x channels rounded up to
 * an odd number of 64-byte lines. The transforms stream all alpha^2 positions at once; a multiple
 * of 4 KiB apart (16 tiles x 256 channels) they fall into the same L1 sets, which made the F(4x4)
 * input transform at 256x14x14 twice as slow per element as at 128x28x28.
 */
export function positionStride(tiles: number, channels: number): number {
  const lines = Math.ceil((tiles * channels) / 16);
  return 16 * (lines % 2 ? lines : lines + 1);
}
