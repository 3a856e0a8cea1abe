import type { DType } from '../../../ir/dtype.js';
import { getNumber, type Tensor } from '../../../ir/tensor.js';
import { channelGeometry } from '../../../ops/reduce/common.js';
import { binary, computeType, constant, convert, load, store, unary } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import {
  LoweringUnsupported,
  type LowerContext,
  type Lowered,
  type Lowering,
  type LoweredValue,
} from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, invSqrt, isConstant, output } from './common.js';
import { normalizePasses } from './group-norm.js';
import {
  collapse,
  elementKernel,
  rowKernel,
  scalarDtype,
  STAT,
  X,
  type At,
  type Dim,
  type Rows,
} from './rows.js';

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
  if (attrs.training_mode) return training(ctx);
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const type = floatType(x.dtype, 'BatchNormalization');
  const params = [1, 2, 3, 4].map((i) => input(ctx, i, `input ${i}`));
  const geom = channelGeometry(x.shape, attrs.layout);
  const { batch, channels: C, spatial: S } = geom;
  const count = params[0]!.shape.reduce((a, b) => a * b, 1);
  const perActivation = count === C * S && S > 1 && count !== C;
  if (!perActivation && count !== C) throw new LoweringUnsupported(`${count} parameters for ${C} channels`);
  if (perActivation && attrs.layout !== 'NCHW')
    throw new LoweringUnsupported('per-activation parameters need NCHW');
  if (params.some((p) => p.shape.reduce((a, b) => a * b, 1) !== count))
    throw new LoweringUnsupported('scale, bias, mean and var differ in size');

  const kernels: Kernel[] = [];
  const folded = params.every(isConstant)
    ? foldConstants(
        ctx,
        params.map((p) => p.constant!),
        attrs.epsilon,
        scalarDtype(type),
      )
    : foldAtRunTime(ctx, params, attrs.epsilon, type, count, kernels);

  // loops in memory order; the parameter index follows the channel (and spatial position when per element)
  const cDim: Dim = { extent: C, strides: [geom.channelStride, 0, perActivation ? S : 1] };
  const sDim: Dim = { extent: S, strides: [geom.spatialStride, 0, perActivation ? 1 : 0] };
  const dims: Dim[] = [
    { extent: batch, strides: [C * S, 0, 0] },
    ...(attrs.layout === 'NCHW' ? [cDim, sDim] : [sDim, cDim]),
  ];
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
function foldConstants(
  ctx: LowerContext,
  [scale, bias, mean, variance]: Tensor[],
  eps: number,
  dtype: DType,
): { buffer: string } {
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
  const p = (v: LoweredValue, index: Index): Expr =>
    convert(computeType(v.dtype), type, load(v.buffer, v.dtype, index));
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

/**
 * training_mode=1: per-channel batch statistics (two-pass, population variance) normalize x, and the
 * optional outputs 1 and 2 are the momentum-weighted running mean and variance.
 */
function training(ctx: LowerContext): Lowered {
  const attrs = ctx.attrs as unknown as BatchNormAttrs & { momentum: number };
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => input(ctx, i, `input ${i}`));
  const type = floatType(x.dtype, 'BatchNormalization');
  const {
    batch: N,
    channels: C,
    spatial: S,
    channelStride: cs,
    spatialStride: ss,
  } = channelGeometry(x.shape, attrs.layout);
  if ([scale, bias, mean, variance].some((p) => p!.shape.reduce((a, b) => a * b, 1) !== C))
    throw new LoweringUnsupported(`training needs ${C} values per parameter`);
  // slots: x, the channel (parameters and running statistics)
  const c: Dim = { extent: C, strides: [cs, 1, 1] };
  const n: Dim = { extent: N, strides: [C * S, 0, 0] };
  const sp: Dim = { extent: S, strides: [ss, 0, 0] };
  const rows: Rows =
    attrs.layout === 'NCHW'
      ? { outer: collapse([c]), reduced: collapse([n, sp]) }
      : { outer: [], reduced: collapse([n, sp]), inner: c };
  const param = (v: LoweredValue, at: At): Expr =>
    convert(computeType(v.dtype), type, load(v.buffer, v.dtype, at.index(STAT)));
  const count = N * S;
  const passes = normalizePasses(
    type,
    count,
    (v) => invSqrt(type, v, attrs.epsilon),
    (at) => load(x.buffer, x.dtype, at.index(X)),
    (at, centred) => {
      const a = binary('mul', type, at.acc('inv'), param(scale!, at));
      return [
        store(
          out.buffer,
          out.dtype,
          at.index(X),
          binary('add', type, binary('mul', type, centred, a), param(bias!, at)),
        ),
      ];
    },
  );
  const m = attrs.momentum;
  const running = (o: LoweredValue | undefined, old: LoweredValue, at: At, batch: Expr): Stmt[] => {
    if (!o) return [];
    const v = binary(
      'add',
      type,
      binary('mul', type, param(old, at), constant(type, m)),
      binary('mul', type, batch, constant(type, 1 - m)),
    );
    return [store(o.buffer, o.dtype, at.index(STAT), convert(type, computeType(o.dtype), v))];
  };
  passes.splice(4, 0, {
    kind: 'row',
    body: (at) => [
      ...running(ctx.outputs[1], mean!, at, at.acc('mean')),
      ...running(ctx.outputs[2], variance!, at, binary('div', type, at.acc('sq'), constant(type, count))),
    ],
  });
  const reads = [x.buffer, scale!.buffer, bias!.buffer, mean!.buffer, variance!.buffer];
  const writes = ctx.outputs.flatMap((o) => (o ? [o.buffer] : []));
  const name = `batchnorm_training_${attrs.layout.toLowerCase()}_${dtypeTag(x.dtype)}`;
  return { kernels: [rowKernel(ctx, name, rows, passes, { reads, writes })] };
}

registerLowerings({ BatchNormalization: batchNormalization });
