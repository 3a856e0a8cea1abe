import { HALF_PADDING, type MatrixRef } from '../../kernel/ir.js';
import type { Node } from '../../../ir/graph.js';
import type { LowerContext, LoweredValue } from '../lowering.js';
import { f32Tensor } from './common.js';
import { float32ArrayToBfloat16Bits, float32ToFloat16Bits } from '../../../ir/half.js';
import type { HalfType } from '../../../options/auto-cast.js';

/**
 * The one place that picks GEMM register tiles, and the compile-time packing of constant operands
 * into the chosen tile's panel order.
 *
 * Cost model (x86 under V8, wasm SIMD128; measured on the build machine): a K step of an mr x nv
 * tile (nv f32x4 columns) issues mr*nv FMAs on 2 ports, mr splat + nv vector loads, and every
 * accumulator waits for its previous FMA (4 cycles). The registers it needs, mr*nv accumulators +
 * nv B vectors (a one-row tile loads them into the FMA) + the splat, must stay <= 15 of the 16 xmm
 * registers, or V8 spills (an unrolled 4x12 did). Each tile also pays its accumulator setup and
 * stores. Measured: 4x8, 3x12 and 6x8 all reach ~45 GFLOP/s on large layers; a 1x32 tile runs a
 * GEMV ~2.5x faster than 4x8's single row (8 accumulator chains instead of 2).
 */
export interface Tile {
  readonly mr: number;
  readonly nr: number;
}

/** A GEMM as tile choice sees it: C[m, n] over k, and which operand is packed by the tile. */
export interface GemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** 'a': A in row panels of mr (NCHW conv weights); 'b': B in column panels of nr; 'none'. */
  readonly packed: 'a' | 'b' | 'none';
}

/** Where a GEMM is: the node being lowered and its values (constants included). */
export interface TileSite {
  readonly node: Node;
  readonly inputs: readonly (LoweredValue | undefined)[];
  readonly outputs: readonly (LoweredValue | undefined)[];
}

/** Chooses a GEMM's register tile. */
export type TileChooser = (shape: GemmShape, site?: TileSite) => Tile;

/** The cost model's choice (chooseTile), whatever the packing. */
export const costModelTile: TileChooser = (s) => chooseTile(s.m, s.n, s.k);

/** Every tile the generators take that fits the register budget: what --tune times. */
export function tileCandidates(): Tile[] {
  return CANDIDATES.filter((t) => registersOf(t) <= REGISTERS);
}

const CANDIDATES: readonly Tile[] = [
  { mr: 4, nr: 8 },
  { mr: 3, nr: 12 },
  { mr: 6, nr: 8 },
  { mr: 2, nr: 16 },
  { mr: 1, nr: 32 },
  { mr: 5, nr: 8 },
  { mr: 8, nr: 4 },
];

const REGISTERS = 15;

export function registersOf(t: Tile): number {
  const nv = Math.ceil(t.nr / 4);
  return t.mr * nv + (t.mr > 1 ? nv : 0) + 1;
}

/** Cycles of one K step of an r x v tile. */
function stepCycles(r: number, v: number): number {
  return Math.max(4, (r * v) / 2, (r + v) / 3, (r + v + r * v + 3) / 5);
}

/** Estimated cycles of an m x n x k GEMM tiled by `t` (edges take smaller tiles of the same shape). */
export function tileCost(t: Tile, m: number, n: number, k: number): number {
  const rowTiles: [number, number][] = [[Math.floor(m / t.mr), t.mr]];
  if (m % t.mr) rowTiles.push([1, m % t.mr]);
  const colTiles: [number, number][] = [[Math.floor(n / t.nr), Math.ceil(t.nr / 4)]];
  if (n % t.nr) colTiles.push([1, Math.ceil((n % t.nr) / 4)]);
  let cycles = 0;
  for (const [rc, r] of rowTiles) {
    for (const [cc, v] of colTiles) cycles += rc * cc * (k * stepCycles(r, v) + 2 * r * v + 12);
  }
  return cycles;
}

/**
 * The register tile for an m x n x k GEMM: 4x8 unless the model predicts another at least 15%
 * cheaper. In whole models (mobilenet_v2's 1x1 convs) 6x8 ran up to 40% slower than 4x8 where the
 * model and isolated benchmarks had it 3-5% faster, so small predicted gains are not worth a
 * change; a GEMV's one-row tile (4x fewer predicted cycles) is.
 */
export function chooseTile(m: number, n: number, k: number): Tile {
  const base = CANDIDATES[0]!;
  let best = base;
  let bestCost = 0.85 * tileCost(base, m, n, k);
  for (const t of CANDIDATES.slice(1)) {
    if (registersOf(t) > REGISTERS) continue;
    const cost = tileCost(t, m, n, k);
    if (cost < bestCost) [best, bestCost] = [t, cost];
  }
  return best;
}

/** Packed constant operands: block b (a group of a conv, a batch of a matmul) at b * blockStride. */
export interface Packed {
  readonly ref: MatrixRef;
  readonly blockStride: number;
}

/** Block b's matrix of a packed operand. */
export function block(p: Packed, b: number): MatrixRef {
  return { ...p.ref, offset: p.ref.offset + b * p.blockStride };
}

/** A constant source matrix: element (b, r, c) = scale * data[b * block + r * row + c * col]. */
export interface Strided {
  readonly data: Float32Array;
  readonly block: number;
  readonly row: number;
  readonly col: number;
  readonly scale?: number;
}

/**
 * `blocks` matrices B[K, N] as one constant in column panels of `width`: each panel [K, width]
 * row-major, the last one zero-padded, so a tile's K step reads `width` consecutive floats.
 */
export function packColumns(
  ctx: LowerContext,
  dims: { readonly blocks: number; readonly K: number; readonly N: number },
  width: number,
  src: Strided,
  hint: string,
  half?: HalfType,
): Packed {
  const { data, stride, blockStride } = panelData(dims, width, src);
  const ref: MatrixRef = {
    buffer: packedConstant(ctx, data, hint, half),
    offset: 0,
    rowStride: width,
    colStride: 1,
    panels: { along: 'col', width, stride },
    ...(half ? { half } : {}),
  };
  return { ref, blockStride };
}

/**
 * Panel data as a constant: float32, or the 16-bit type (rounded to nearest even) followed by
 * HALF_PADDING zero bytes, so the kernels' vector loads of a tile's values may run past the last.
 */
export function packedConstant(ctx: LowerContext, data: Float32Array, hint: string, half?: HalfType): string {
  if (!half) return ctx.constant(f32Tensor([data.length], data), hint);
  const bits = encodeHalf(data, half, HALF_PADDING / 2);
  return ctx.constant({ dtype: half, shape: [bits.length], data: bits }, `${hint}_${half}`);
}

/** float32 values as 16-bit bit patterns (nearest, ties to even), then `padding` zero elements. */
export function encodeHalf(data: Float32Array, half: HalfType, padding = 0): Uint16Array {
  const bits = new Uint16Array(data.length + padding);
  if (half === 'bfloat16') return float32ArrayToBfloat16Bits(data, bits);
  for (let i = 0; i < data.length; i++) bits[i] = float32ToFloat16Bits(data[i]!);
  return bits;
}

/**
 * `blocks` matrices A[M, K] as one constant in row panels of `height`: each panel [K, height]
 * (k-major), the last one zero-padded, so a tile's K step splats `height` consecutive floats. That is
 * the column-panel layout of A's transpose.
 */
export function packRows(
  ctx: LowerContext,
  dims: { readonly blocks: number; readonly M: number; readonly K: number },
  height: number,
  src: Strided,
  hint: string,
  half?: HalfType,
): Packed {
  const transposed = { ...src, row: src.col, col: src.row };
  const { data, stride, blockStride } = panelData({ ...dims, N: dims.M }, height, transposed);
  const ref: MatrixRef = {
    buffer: packedConstant(ctx, data, hint, half),
    offset: 0,
    rowStride: 1,
    colStride: height,
    panels: { along: 'row', width: height, stride },
    ...(half ? { half } : {}),
  };
  return { ref, blockStride };
}

/** `blocks` matrices [K, N] in column panels of `width`, each panel [K, width] row-major, zero-padded. */
function panelData(
  dims: { readonly blocks: number; readonly K: number; readonly N: number },
  width: number,
  src: Strided,
): { data: Float32Array; stride: number; blockStride: number } {
  const { blocks, K, N } = dims;
  const panels = Math.ceil(N / width);
  const stride = K * width;
  const blockStride = panels * stride;
  const data = new Float32Array(blocks * blockStride);
  const { data: from, row, col } = src;
  const scale = src.scale ?? 1;
  // locals and a plain copy when possible: bert_base's 85M weights pack in ~0.2 s
  for (let b = 0; b < blocks; b++) {
    for (let p = 0; p < panels; p++) {
      const cols = Math.min(width, N - p * width);
      for (let k = 0; k < K; k++) {
        const to = b * blockStride + p * stride + k * width;
        const at = b * src.block + k * row + p * width * col;
        if (col === 1 && scale === 1) for (let l = 0; l < cols; l++) data[to + l] = from[at + l]!;
        else for (let l = 0; l < cols; l++) data[to + l] = scale * from[at + l * col]!;
      }
    }
  }
  return { data, stride, blockStride };
}
