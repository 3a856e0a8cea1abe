import type { DType } from '../../../ir/dtype.js';
import { getNumber, type Tensor } from '../../../ir/tensor.js';
import { channelGeometry } from '../../../ops/reduce/common.js';
import { binary, computeType, constant, convert, load, store, unary } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Scalar } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowering, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, isConstant, output } from './common.js';
import { elementKernel, scalarDtype, X, type Dim } from './rows.js';

/**
 * Inference BatchNormalization as one multiply-add per element: y = x * a[c] + b[c] with
 * a = scale / sqrt(var + eps) and b = bias - mean * a. With constant parameters a and b are folded at
 * compile time (in float64, stored in the compute precision); otherwise a small kernel computes them
 * first. Parameters of C * spatial values (opsets < 9, spatial=0) apply per element, NCHW only.
 */
interface BatchNormAttrs {
  readonly epsilon: number;
  readonly training_mode: number;
  readonly layout: 'NCHW' | 'NHWC';
}

const P = 2; // slot of the parameter index

const batchNormalization: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as BatchNormAttrs;
  if (attrs.training_mode) throw new LoweringUnsupported('training_mode=1 (batch statistics) is not lowered');
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const type = floatType(x.dtype, 'BatchNormalization');
  const params = [1, 2, 3, 4].map((i) => input(ctx, i, `input ${i}`));
  const geom = channelGeometry(x.shape, attrs.layout);
  const { batch, channels: C, spatial: S } = geom;
  const count = params[0]!.shape.reduce((a, b) => a * b, 1);
  const perActivation = count === C * S && S > 1 && count !== C;
  if (!perActivation && count !== C) throw new LoweringUnsupported(`${count} parameters for ${C} channels`);
  if (perActivation && attrs.layout !== 'NCHW') throw new LoweringUnsupported('per-activation parameters need NCHW');
  if (params.some((p) => p.shape.reduce((a, b) => a * b, 1) !== count))
    throw new LoweringUnsupported('scale, bias, mean and var differ in size');

  const kernels: Kernel[] = [];
  const folded = params.every(isConstant)
    ? foldConstants(ctx, params.map((p) => p.constant!), attrs.epsilon, scalarDtype(type))
    : foldAtRunTime(ctx, params, attrs.epsilon, type, count, kernels);

  // loops in memory order; the parameter index follows the channel (and spatial position when per element)
  const cDim: Dim = { extent: C, strides: [geom.channelStride, 0, perActivation ? S : 1] };
  const sDim: Dim = { extent: S, strides: [geom.spatialStride, 0, perActivation ? 1 : 0] };
  const dims: Dim[] = [{ extent: batch, strides: [C * S, 0, 0] }, ...(attrs.layout === 'NCHW' ? [cDim, sDim] : [sDim, cDim])];
  const dt = scalarDtype(type);
  kernels.push(
    elementKernel(
      ctx,
      `batchnorm_${attrs.layout.toLowerCase()}_${dtypeTag(x.dtype)}`,
      dims,
      (index) => {
        const a = load(folded.buffer, dt, index(P));
        const b = load(folded.buffer, dt, index(P, count));
        const y = binary('add', type, binary('mul', type, load(x.buffer, x.dtype, index(X)), a), b);
        return [store(out.buffer, out.dtype, index(X), y)];
      },
      { reads: [x.buffer, folded.buffer], writes: [out.buffer] },
    ),
  );
  return { kernels };
};

/** a then b, 2 * count values, in one constant buffer. */
function foldConstants(ctx: LowerContext, [scale, bias, mean, variance]: Tensor[], eps: number, dtype: DType): { buffer: string } {
  const n = scale!.data.length;
  const data = dtype === 'float64' ? new Float64Array(2 * n) : new Float32Array(2 * n);
  for (let c = 0; c < n; c++) {
    const a = getNumber(scale!, c) / Math.sqrt(getNumber(variance!, c) + eps);
    data[c] = a;
    data[n + c] = getNumber(bias!, c) - getNumber(mean!, c) * a;
  }
  const t: Tensor = { dtype, shape: [2, n], data };
  return { buffer: ctx.constant(t, 'batchnorm_affine') };
}

function foldAtRunTime(
  ctx: LowerContext,
  [scale, bias, mean, variance]: LoweredValue[],
  eps: number,
  type: Scalar,
  count: number,
  kernels: Kernel[],
): { buffer: string } {
  const dtype = scalarDtype(type);
  const buffer = ctx.scratch(dtype, 2 * count, 'batchnorm_affine');
  const p = (v: LoweredValue, index: Index): Expr => convert(computeType(v.dtype), type, load(v.buffer, v.dtype, index));
  kernels.push(
    elementKernel(
      ctx,
      `batchnorm_fold_${dtypeTag(scale!.dtype)}`,
      [{ extent: count, strides: [1] }],
      (index) => {
        const std = unary('sqrt', type, binary('add', type, p(variance!, index(X)), constant(type, eps)));
        const a = binary('div', type, p(scale!, index(X)), std);
        const b = binary('sub', type, p(bias!, index(X)), binary('mul', type, p(mean!, index(X)), a));
        return [store(buffer, dtype, index(X), a), store(buffer, dtype, index(X, count), b)];
      },
      { reads: [scale!.buffer, bias!.buffer, mean!.buffer, variance!.buffer], writes: [buffer] },
    ),
  );
  return { buffer };
}

registerLowerings({ BatchNormalization: batchNormalization });
