import { toFloat32 } from '../../../ir/tensor.js';
import type { Activation, GemmCall, Kernel, MatrixRef } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext } from '../lowering.js';
import { f32Tensor, kernel, matrix } from './common.js';
import type { ConvBuffers } from './conv-gemm.js';
import type { ConvPlan } from './conv-plan.js';
import { inputTransform, outputTransform, packInput, weightTransform } from './conv-winograd-kernels.js';
import { tilesPerBlock, winogradPlan, winogradTuning, type WinogradPlan } from './conv-winograd-plan.js';
import { transformFilters } from './conv-winograd-transforms.js';

export { winogradTuning } from './conv-winograd-plan.js';

/**
 * float32 3x3 stride-1 Conv as Winograd F(4x4, 3x3) (F(2x2, 3x3) for few tiles): per block of tiles,
 * the input transform V = B^T d B, then per tile position and group one GEMM
 * Mo[pos][tiles, Mg] = V[pos][tiles, Cg] x U[pos][Cg, Mg], then the output transform A^T Mo A with
 * bias, residual and activation. The GEMMs do 4x (2.25x) fewer multiplies than im2col's; the
 * transforms are linear in the data and vectorize over channels.
 */

export interface ConvEpilogue {
  /** float32 buffer of the output's shape and layout, added after the bias. */
  readonly residual?: string;
  /** Applied last. */
  readonly activation?: Activation;
}

/** Whether lowerConv's float32 GEMM branch should call convWinograd for this conv. */
export function winogradApplies(p: ConvPlan, tuning = winogradTuning): boolean {
  return winogradPlan(p, tuning) !== undefined;
}

/**
 * The kernels of a Winograd conv. `buffers` as for convGemmNchw (float32; `w` as [M, Cg, 3, 3] in
 * both layouts). Constant weights (ctx.inputs[1]) are transformed at compile time; others by a
 * kernel at run time.
 */
export function convWinograd(
  ctx: LowerContext,
  p: ConvPlan,
  buffers: ConvBuffers,
  epilogue: ConvEpilogue = {},
  tuning = winogradTuning,
): Kernel[] {
  const w = winogradPlan(p, tuning);
  if (!w) throw new LoweringUnsupported(`Winograd for conv ${p.stem} with ${p.Cg} channels per group`);
  return winogradKernels(ctx, w, buffers, epilogue);
}

/** The kernels for an explicit plan (tests and measurements pick the tile themselves). */
export function winogradKernels(
  ctx: LowerContext,
  w: WinogradPlan,
  buffers: ConvBuffers,
  epilogue: ConvEpilogue = {},
): Kernel[] {
  const { N, C, M, G, Cg, Mg, tile } = w;
  const a2 = tile.alpha * tile.alpha;
  const kernels: Kernel[] = [];
  const u = transformedWeights(ctx, w, buffers.w, kernels);
  const packed = needsPacking(w);
  const xp = packed ? ctx.scratch('float32', N * w.Hp * w.Wp * C, 'wino_input') : buffers.x;
  if (packed) kernels.push(...packInput(ctx, w, buffers.x, xp));
  const Tmax = tilesPerBlock(w);
  const v = ctx.scratch('float32', a2 * Tmax * C, 'wino_v');
  const mo = ctx.scratch('float32', a2 * Tmax * M, 'wino_m');
  const out = {
    mo,
    y: buffers.y,
    bias: buffers.bias,
    residual: epilogue.residual,
    activation: epilogue.activation,
  };
  for (const b of w.blocks) {
    const Tb = b.dn * b.hn * w.TW;
    kernels.push(inputTransform(ctx, w, xp, v, b));
    for (let pos = 0; pos < a2; pos++) {
      for (let grp = 0; grp < G; grp++) {
        // one GEMM a kernel: a lone GEMM is what the thread variants split
        const vg = matrix(v, pos * Tb * C + grp * Cg, C);
        const mg = matrix(mo, pos * Tb * M + grp * Mg, M);
        const gemm: GemmCall =
          w.rows === 'tiles'
            ? { ...GEMM, m: Tb, n: Mg, k: Cg, a: vg, b: matrix(u, pos * Cg * M + grp * Mg, M), c: mg }
            : {
                ...GEMM,
                m: Mg,
                n: Tb,
                k: Cg,
                a: matrix(u, (pos * M + grp * Mg) * Cg, Cg),
                b: t(vg),
                c: t(mg),
              };
        kernels.push(kernel(ctx, `${w.stem}_gemm_f32`, [gemm]));
      }
    }
    kernels.push(outputTransform(ctx, w, out, b));
  }
  return kernels;
}

const GEMM = { op: 'gemm', accumulate: false } as const;

/** The transposed view of a matrix. */
const t = (r: MatrixRef): MatrixRef => ({ ...r, rowStride: r.colStride, colStride: r.rowStride });

/** An NHWC input whose tiles are all in bounds already is read in place. */
function needsPacking(w: WinogradPlan): boolean {
  return !(w.layout === 'NHWC' && w.padTop === 0 && w.padLeft === 0 && w.H === w.Hp && w.W === w.Wp);
}

/** U[pos][Cg][M]: a compile-time constant when the weights are, else computed by a kernel. */
function transformedWeights(ctx: LowerContext, w: WinogradPlan, wBuffer: string, pre: Kernel[]): string {
  const { M, Cg, tile } = w;
  const a2 = tile.alpha * tile.alpha;
  const constant = ctx.inputs[1]?.constant;
  if (!constant) {
    const u = ctx.scratch('float32', a2 * Cg * M, 'wino_u');
    pre.push(weightTransform(ctx, w, wBuffer, u));
    return u;
  }
  const out = new Float32Array(a2 * Cg * M);
  // filter f = mo * Cg + c goes to U[pos][c][mo] (tiles as rows) or U[pos][mo][c] (channels)
  const base = w.rows === 'tiles' ? (f: number) => (f % Cg) * M + Math.floor(f / Cg) : (f: number) => f;
  transformFilters(tile, toFloat32(constant), out, base, Cg * M);
  return ctx.constant(f32Tensor([out.length], out), 'wino_u');
}
