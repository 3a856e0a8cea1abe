import { storageCtor, type DType, type TensorData } from '../../../ir/dtype.js';
import { sizeOf, toFloat32, type Tensor } from '../../../ir/tensor.js';
import { load, store } from '../../kernel/build.js';
import type { Kernel, MatrixRef } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  convertKernel,
  f32Input,
  isFloatType,
  ix,
  kernel,
  matrix,
  output,
  required,
  suffix,
  usesF32Gemm,
} from './common.js';
import { convDepthwiseKernels, type Operand } from './conv-depthwise.js';
import { convWinograd, winogradApplies } from './conv-winograd.js';
import { convDirect } from './conv-direct.js';
import { convGemmNchw, convGemmNhwc, type GemmConvOperands } from './conv-gemm.js';
import { planConv, type ConvPlan } from './conv-plan.js';
import { epilogueKernel, epilogueOf, gemmEpilogue, NO_EPILOGUE, type Epilogue } from './epilogue.js';
import { volume } from './geometry.js';
import { block, encodeHalf, packColumns, packRows, type Tile } from './gemm-tile.js';
import type { HalfType } from '../../../options/auto-cast.js';
import { levelVar, nest } from './nest.js';

/**
 * Conv: depthwise (one input channel per group) as a direct loop nest in any float dtype;
 * otherwise float32 (halves staged through float32) as GEMMs over weights packed at compile time in
 * the register tile's panel order, float64 as a direct loop nest. The fused form (FusedConv) adds
 * its epilogue inside the GEMM, or as one loop after the other paths.
 */
export function lowerConv(ctx: LowerContext): Lowered {
  return lowerConvWith(ctx, NO_EPILOGUE);
}

export function lowerConvWith(ctx: LowerContext, e: Epilogue): Lowered {
  const x = required(ctx, 0);
  const w = required(ctx, 1);
  const b = ctx.inputs[2];
  const y = output(ctx);
  if (!isFloatType(y.dtype)) throw new LoweringUnsupported(`Conv of ${y.dtype}`);
  const p = planConv(ctx, x, w);
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  const nhwc = p.layout === 'NHWC';
  if (p.Cg === 1) {
    const pre: Kernel[] = [];
    const wt =
      w.half && w.constant
        ? halfWeights(ctx, p, w, w.half)
        : nhwc
          ? tapMajor(ctx, p, w, w.dtype, pre)
          : operand(w);
    const buffers = { x: operand(x), w: wt, bias: b && operand(b), y: operand(y) };
    return { kernels: [...pre, ...convDepthwiseKernels(ctx, p, buffers, e)] };
  }
  if (!usesF32Gemm(y.dtype)) {
    const conv = convDirect(ctx, p, { x: operand(x), w: operand(w), bias: b && operand(b), y: operand(y) });
    return { kernels: [...conv, ...epilogueKernel(ctx, y, e)] };
  }
  const pre: Kernel[] = [];
  const stage = (v: LoweredValue, hint: string): string => {
    const s = f32Input(ctx, v, hint);
    pre.push(...s.pre);
    return s.buffer;
  };
  // x and y are read and written in their storage type (16-bit ones widened and rounded in the kernels)
  const io = { x: x.buffer, xType: x.dtype, y: y.buffer, yType: y.dtype };
  if (winogradApplies(p)) {
    // constant weights are transformed at compile time: staged only when read at run time
    const fw = w.constant ? w.buffer : stage(w, 'conv_w');
    const fb = b && stage(b, 'conv_b');
    const body = convWinograd(ctx, p, { ...io, w: fw, bias: fb }, e);
    return { kernels: [...pre, ...body] };
  }
  const tile = gemmTile(ctx, p, w.constant !== undefined);
  const weights = nhwc ? nhwcWeights(ctx, p, w, tile, pre) : nchwWeights(ctx, p, w, tile, stage, pre);
  const fb = b && stage(b, 'conv_b');
  const buffers: GemmConvOperands = {
    ...io,
    w: weights,
    bias: fb,
    tile,
    epilogue: gemmEpilogue(ctx, e, pre),
  };
  const body = nhwc ? convGemmNhwc(ctx, p, buffers) : convGemmNchw(ctx, p, buffers);
  return { kernels: [...pre, ...body] };
}

/** The register tile of the conv's GEMMs: NCHW computes Y_g[Mg, pixels], NHWC Y[pixels, Mg]. */
function gemmTile(ctx: LowerContext, p: ConvPlan, constantWeights: boolean): Tile {
  const pixels = volume(p.g.output);
  const k = p.Cg * volume(p.g.kernel);
  return p.layout === 'NHWC'
    ? ctx.chooseTile({ m: p.N * pixels, n: p.Mg, k, packed: constantWeights ? 'b' : 'none' })
    : ctx.chooseTile({ m: p.Mg, n: pixels, k, packed: constantWeights ? 'a' : 'none' });
}

/**
 * Largest packed row panel of NCHW weights. Packed panels let the leftover columns run as column
 * tiles (resnet18's 512 x 49 x 2304 conv: 7% faster, mobilenet_v2's 320 x 49 x 960: 9%), but
 * panels of 4 x 4608 weights (74 KB, resnet18's layer4) ran 10% slower than plain rows, measured
 * as medians over processes; why is open. Until then such weights stay row-major.
 */
const PANEL_BYTES = 48 * 1024;

/**
 * Whether 16-bit A panels (auto-cast conv weights) are widened to a float32 scratch copy before the
 * GEMMs instead of in registers. The A side is splatted: a 16-bit value costs a broadcast load and an
 * AND per row per K step, which the FMAs of a small-K layer cannot hide (mobilenet_v2's 1x1 convs ran
 * 10% slower than float32). A copy widened once serves every column tile; it stays small enough to
 * stay in L2 (so memory traffic from DRAM is still 16-bit) and is made only for layers with enough
 * columns to reuse it. Measured at 1 thread, --auto-cast matmult over float32: mobilenet_v2 1.08 ->
 * 0.99, efficientnet_b0 1.07 -> 1.01, resnet50 1.04 -> 0.99.
 */
function widensPanels(p: ConvPlan, blockStride: number): boolean {
  return volume(p.g.output) >= WIDEN_MIN_COLUMNS && 4 * p.G * blockStride <= WIDEN_MAX_BYTES;
}

const WIDEN_MIN_COLUMNS = 64;
const WIDEN_MAX_BYTES = 512 * 1024;

/** NCHW weights, the A operand [Mg, Cg*kv] of group g: packed in row panels of mr when constant. */
function nchwWeights(
  ctx: LowerContext,
  p: ConvPlan,
  w: LoweredValue,
  tile: Tile,
  stage: (v: LoweredValue, hint: string) => string,
  pre: Kernel[],
): (grp: number) => MatrixRef {
  const K = p.Cg * volume(p.g.kernel);
  // 16-bit weights are always packed (the kernels read them only from panels)
  if (w.constant && (w.half || 4 * K * tile.mr <= PANEL_BYTES)) {
    const src = { data: toFloat32(w.constant), block: p.Mg * K, row: K, col: 1 };
    const packed = packRows(ctx, { blocks: p.G, M: p.Mg, K }, tile.mr, src, 'conv_w_packed', w.half);
    if (w.half && widensPanels(p, packed.blockStride)) {
      // the 16-bit panels widened once per run into float32 scratch, in the same panel layout
      const n = p.G * packed.blockStride;
      const f32 = ctx.scratch('float32', n, 'conv_w_wide');
      const from = { buffer: packed.ref.buffer, dtype: w.half };
      pre.push(convertKernel(ctx, from, { buffer: f32, dtype: 'float32' }, n));
      const { half: _, ...rest } = packed.ref;
      const wide = { ref: { ...rest, buffer: f32 }, blockStride: packed.blockStride };
      return (grp) => block(wide, grp);
    }
    return (grp) => block(packed, grp);
  }
  const fw = stage(w, 'conv_w');
  return (grp) => matrix(fw, grp * p.Mg * K, K);
}

/** NHWC weights, the B operand [Cg*kv, Mg] of group g (tap-major): packed in column panels of nr when constant. */
function nhwcWeights(
  ctx: LowerContext,
  p: ConvPlan,
  w: LoweredValue,
  tile: Tile,
  pre: Kernel[],
): (grp: number) => MatrixRef {
  const kv = volume(p.g.kernel);
  if (w.constant) {
    // B_g(k = tap * Cg + c, j) = W[g*Mg + j, c, tap]: tap-major first, then panels
    const data = toFloat32(tapMajorTensor(w.constant, p, 'float32'));
    const src = { data, block: p.Mg, row: p.M, col: 1 };
    const dims = { blocks: p.G, K: p.Cg * kv, N: p.Mg };
    const packed = packColumns(ctx, dims, tile.nr, src, 'conv_w_packed', w.half);
    return (grp) => block(packed, grp);
  }
  const wt = tapMajor(ctx, p, w, 'float32', pre).buffer;
  return (grp) => matrix(wt, grp * p.Mg, p.M);
}

function operand(v: LoweredValue): Operand {
  return { buffer: v.buffer, dtype: v.dtype };
}

/**
 * Weights [M, Cg, taps] as [taps, Cg, M] (row k = tap * Cg + c), the B operand of an NHWC GEMM
 * and the channel-contiguous weights of an NHWC depthwise loop: at compile time when constant.
 */
export function tapMajor(
  ctx: LowerContext,
  p: ConvPlan,
  w: LoweredValue,
  dtype: DType,
  pre: Kernel[],
): Operand {
  const { M, Cg } = p;
  const kv = volume(p.g.kernel);
  if (w.constant) {
    return { buffer: ctx.constant(tapMajorTensor(w.constant, p, dtype), 'conv_w_tapmajor'), dtype };
  }
  const buffer = ctx.scratch(dtype, M * Cg * kv, 'conv_w_tapmajor');
  const f = ctx.fresh('wt');
  const [m, c, t] = [levelVar(`${f}m`, M), levelVar(`${f}c`, Cg), levelVar(`${f}t`, kv)];
  const value = load(
    w.buffer,
    w.dtype,
    ix(0, [
      [m, Cg * kv],
      [c, kv],
      [t, 1],
    ]),
  );
  const body = nest(
    [
      { v: m, extent: M },
      { v: c, extent: Cg },
      { v: t, extent: kv },
    ],
    [
      store(
        buffer,
        dtype,
        ix(0, [
          [t, Cg * M],
          [c, M],
          [m, 1],
        ]),
        value,
      ),
    ],
    true,
  );
  pre.push(kernel(ctx, `conv_weights_tapmajor_${suffix(w.dtype)}_${suffix(dtype)}`, body));
  return { buffer, dtype };
}

/**
 * Auto-cast depthwise weights: a 16-bit copy in the layout the loops read ([M][tap] for NCHW,
 * tap-major for NHWC), widened as they are loaded.
 */
function halfWeights(ctx: LowerContext, p: ConvPlan, w: LoweredValue, half: HalfType): Operand {
  const data = p.layout === 'NHWC' ? tapMajorTensor(w.constant!, p, 'float32').data : toFloat32(w.constant!);
  const bits = encodeHalf(data as Float32Array, half);
  return {
    buffer: ctx.constant({ dtype: half, shape: [bits.length], data: bits }, `conv_w_${half}`),
    dtype: half,
  };
}

/** Constant weights [M, Cg, taps] as [taps * Cg, M] in `dtype`. */
function tapMajorTensor(w: Tensor, p: ConvPlan, dtype: DType): Tensor {
  const { M, Cg } = p;
  const kv = volume(p.g.kernel);
  const src = dtype === 'float32' ? toFloat32(w) : w.data;
  const out = new (storageCtor(dtype))(src.length) as TensorData;
  for (let m = 0; m < M; m++) {
    for (let c = 0; c < Cg; c++) {
      for (let t = 0; t < kv; t++)
        (out as Float32Array)[(t * Cg + c) * M + m] = src[(m * Cg + c) * kv + t] as number;
    }
  }
  return { dtype, shape: [kv * Cg, M], data: out };
}

registerLowerings({
  Conv: lowerConv,
  'ai.neuron::FusedConv': (ctx) => lowerConvWith(ctx, epilogueOf(ctx, 3)),
});
