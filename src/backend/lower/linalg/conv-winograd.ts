import type { DType } from '../../../ir/dtype.js';
import { toFloat32 } from '../../../ir/tensor.js';
import type { GemmCall, Kernel, MatrixRef } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext } from '../lowering.js';
import { f32Input, halfOf, kernel, matrix } from './common.js';
import type { ConvBuffers } from './conv-gemm.js';
import type { ConvPlan } from './conv-plan.js';
import { inputTransform, outputTransform, copyInput, weightTransform } from './conv-winograd-kernels.js';
import {
  positionStride,
  tilesPerBlock,
  winogradPlan,
  winogradTuning,
  type WinogradPlan,
} from './conv-winograd-plan.js';
import { filterTransform } from './conv-winograd-transforms.js';
import { packedConstant } from './gemm-tile.js';
import { NO_EPILOGUE, type Epilogue } from './epilogue.js';

/**
 * float32 3x3 stride-1 Conv as Winograd F(4x4, 3x3) (F(2x2, 3x3) for few tiles): per block of tiles,
 * the input transform V = B^T d B, then per tile position and group one GEMM
 * Mo[pos][tiles, Mg] = V[pos][tiles, Cg] x U[pos][Cg, Mg], then the output transform A^T Mo A with
 * bias, residual and activation. The GEMMs do 4x (2.25x) fewer multiplies than im2col's; the
 * transforms are linear in the data and vectorize over channels.
 */
export { winogradTuning } from './conv-winograd-plan.js';

/** Whether lowerConv's float32 GEMM branch should call convWinograd for this conv. */
export function winogradApplies(p: ConvPlan, tuning = winogradTuning): boolean {
  return winogradPlan(p, tuning) !== undefined;
}

/**
 * The kernels of a Winograd conv, its fused epilogue (residual, activation) in the output transform.
 * `buffers` as for the GEMM paths but `w` as [M, Cg, 3, 3] float32 in both layouts, read only when
 * the weights (ctx.inputs[1]) are not constant: constants are transformed at compile time.
 */
export function convWinograd(
  ctx: LowerContext,
  p: ConvPlan,
  buffers: ConvBuffers,
  epilogue: Epilogue = NO_EPILOGUE,
  tuning = winogradTuning,
): Kernel[] {
  const plan = winogradPlan(p, tuning);
  if (!plan) throw new LoweringUnsupported(`Winograd for conv ${p.stem} with ${p.Cg} channels per group`);
  // the per-position GEMMs: tiles x Mg over Cg, the transformed weights packed as B
  const gemmTile = ctx.chooseTile({ m: tilesPerBlock(plan), n: p.Mg, k: p.Cg, packed: 'b' });
  return winogradKernels(ctx, { ...plan, gemmTile }, buffers, epilogue);
}

/** The kernels for an explicit plan (tests and measurements pick the tile themselves). */
export function winogradKernels(
  ctx: LowerContext,
  w: WinogradPlan,
  buffers: ConvBuffers,
  epilogue: Epilogue = NO_EPILOGUE,
): Kernel[] {
  const { N, C, M, G, Cg, Mg, tile } = w;
  const a2 = tile.alpha * tile.alpha;
  const kernels: Kernel[] = [];
  const u = transformedWeights(ctx, w, buffers.w, kernels);
  let residual: string | undefined;
  let residualType: DType = 'float32';
  if (epilogue.residual && (halfOf(epilogue.residual.dtype) || epilogue.residual.dtype === 'float32')) {
    residual = epilogue.residual.buffer;
    residualType = epilogue.residual.dtype;
  } else if (epilogue.residual) {
    const staged = f32Input(ctx, epilogue.residual, 'residual');
    kernels.push(...staged.pre);
    residual = staged.buffer;
  }
  const xType = buffers.xType ?? 'float32';
  // the input transform reads float32: a 16-bit input is widened by the copy
  const copied = needsCopy(w) || xType !== 'float32';
  const xp = copied ? ctx.scratch('float32', N * w.Hp * w.Wp * C, 'wino_input') : buffers.x;
  if (copied) kernels.push(...copyInput(ctx, w, buffers.x, xp, xType));
  const Tmax = tilesPerBlock(w);
  const v = ctx.scratch('float32', a2 * positionStride(Tmax, C), 'wino_v');
  const mo = ctx.scratch('float32', a2 * positionStride(Tmax, M), 'wino_m');
  const out = {
    mo,
    y: buffers.y,
    yType: buffers.yType ?? 'float32',
    bias: buffers.bias,
    residual,
    residualType,
    activation: epilogue.activation,
  };
  for (const b of w.blocks) {
    const Tb = b.dn * b.hn * w.TW;
    kernels.push(inputTransform(ctx, w, xp, v, b));
    // independent equal calls in one kernel: thread variants deal them out whole, with no barrier
    const gemms: GemmCall[] = [];
    for (let pos = 0; pos < a2; pos++) {
      for (let grp = 0; grp < G; grp++) {
        gemms.push({
          op: 'gemm',
          m: Tb,
          n: Mg,
          k: Cg,
          a: matrix(v, pos * positionStride(Tb, C) + grp * Cg, C),
          b: u(pos, grp),
          c: matrix(mo, pos * positionStride(Tb, M) + grp * Mg, M),
          accumulate: false,
          tile: w.gemmTile,
        });
      }
    }
    kernels.push(kernel(ctx, `${w.stem}_gemm_f32`, gemms));
    kernels.push(outputTransform(ctx, w, out, b));
  }
  return kernels;
}

/** An NHWC input whose tiles are all in bounds already is read in place. */
function needsCopy(w: WinogradPlan): boolean {
  return !(w.layout === 'NHWC' && w.padTop === 0 && w.padLeft === 0 && w.H === w.Hp && w.W === w.Wp);
}

/**
 * U[pos] of group grp [Cg, Mg], the GEMMs' B operand. Constant weights are transformed at compile
 * time and packed in column panels of the register tile's width, so each K step of a tile reads
 * consecutive floats and the weights stream once, in order (measured: GEMMs 1.7x faster than over
 * plain [Cg][M] rows at 512x7x7, where the weights dwarf the 4 or 16 tiles, 1.2x at 256x14x14);
 * others by a kernel at run time into [pos][Cg][M].
 */
function transformedWeights(
  ctx: LowerContext,
  w: WinogradPlan,
  wBuffer: string,
  pre: Kernel[],
): (pos: number, grp: number) => MatrixRef {
  const { M, G, Cg, Mg, tile } = w;
  const a2 = tile.alpha * tile.alpha;
  const constant = ctx.inputs[1]?.constant;
  if (!constant) {
    const u = ctx.scratch('float32', a2 * Cg * M, 'wino_u');
    pre.push(weightTransform(ctx, w, wBuffer, u));
    return (pos, grp) => matrix(u, pos * Cg * M + grp * Mg, M);
  }
  // block (pos, grp) holds column j of its Cg x Mg matrix in panel j / nr, panels Cg * nr apart;
  // filters are visited in that order
  const nr = w.gemmTile.nr;
  const panel = Cg * nr;
  const panels = Math.ceil(Mg / nr);
  const out = new Float32Array(a2 * G * panels * panel);
  const transform = filterTransform(tile, toFloat32(constant), out, G * panels * panel);
  for (let grp = 0; grp < G; grp++) {
    for (let q = 0; q < panels; q++) {
      for (let c = 0; c < Cg; c++) {
        const base = (grp * panels + q) * panel + c * nr;
        for (let j = q * nr; j < Math.min(Mg, (q + 1) * nr); j++)
          transform((grp * Mg + j) * Cg + c, base + j - q * nr);
      }
    }
  }
  // auto-cast weights: the transformed ones are stored in the 16-bit type too (rounded once more)
  const half = ctx.inputs[1]?.half;
  const u = packedConstant(ctx, out, 'wino_u', half);
  return (pos, grp) => ({
    buffer: u,
    offset: (pos * G + grp) * panels * panel,
    rowStride: nr,
    colStride: 1,
    panels: { along: 'col', width: nr, stride: panel },
    ...(half ? { half } : {}),
  });
}
