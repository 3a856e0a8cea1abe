import type { Layout } from '../../../ops/linalg/layout.js';
import type { ConvPlan } from './conv-plan.js';
import { rowTiles, type RowTile } from './geometry.js';
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
   * Fewest tiles per block for F(4x4). Measured at batch 1 against F(2x2): 28x28 (49 tiles) runs
   * 1.5x faster in F(4x4), 14x14 (16 tiles, a third of them padding) 10% slower: with few tiles the
   * GEMMs stream 36 weight matrices for a handful of columns.
   */
  minTiles4x4: 32,
  /** Fewest tiles per block for F(2x2): 7x7 (16 tiles) beats im2col by 1.3x, 4x4 (4) loses. */
  minTiles2x2: 12,
  /**
   * Largest Cg x Mg (one weight matrix) whose GEMMs take tiles as rows (see WinogradPlan.rows):
   * 64 x 64 (16 KiB) stays in L1 while the micro-kernel sweeps it once per four tiles; larger ones
   * are streamed once, row by row, with channels as rows.
   */
  maxTileRowsWeights: 64 * 64,
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
  /**
   * What the rows of the GEMMs are. 'tiles': Mo[tiles, Mg] = V[tiles, Cg] x U[Cg, Mg] (the splat
   * micro-kernel, weights [pos][Cg][M]); 'channels': Mo^T[Mg, tiles] = U[Mg, Cg] x V^T[Cg, tiles]
   * (the dot micro-kernel, weights [pos][M][Cg] read row by row: with few tiles the GEMMs stream
   * their weights once, contiguously, instead of in 8-column strips).
   */
  readonly rows: GemmRows;
  /** Kernel-name stem: `conv2d_3x3_wino4x4` (plus `_nhwc`). */
  readonly stem: string;
}

export type GemmRows = 'tiles' | 'channels';

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
  const big = planFor(p, F4X4, t);
  if (big && tilesPerBlock(big) >= t.minTiles4x4) return big;
  const small = planFor(p, F2X2, t);
  return small && tilesPerBlock(small) >= t.minTiles2x2 ? small : undefined;
}

/** The plan with a given tile, or undefined when one row of tiles alone is far over the budget. */
export function planFor(
  p: ConvPlan,
  tile: WinogradTile,
  t = winogradTuning,
  rows?: GemmRows,
): WinogradPlan | undefined {
  const { m, alpha } = tile;
  const [, H, W] = p.g.input;
  const [, OH, OW] = p.g.output;
  const TH = Math.ceil(OH / m);
  const TW = Math.ceil(OW / m);
  const perRow = alpha * alpha * Math.max(p.C, p.M) * TW;
  if (perRow > 4 * t.budget) return undefined;
  const blocks = rowTiles(p.N, TH, Math.max(1, Math.floor(t.budget / perRow)));
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
    rows: rows ?? (p.Cg * p.Mg <= t.maxTileRowsWeights ? 'tiles' : 'channels'),
    stem: `conv2d_3x3_${tile.name}${nhwc}`,
  };
}

/** Tiles of the largest block: the rows of every GEMM. */
export function tilesPerBlock(w: WinogradPlan): number {
  return Math.max(...w.blocks.map((b) => b.dn * b.hn)) * w.TW;
}
