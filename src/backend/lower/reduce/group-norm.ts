import { channelGeometry } from '../../../ops/reduce/common.js';
import { binary, computeType, constant, convert, load, store } from '../../kernel/build.js';
import type { Expr, Scalar } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowering, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, invSqrt, output, zero } from './common.js';
import { collapse, rowKernel, X, type At, type Dim, type Pass, type Rows } from './rows.js';

/**
 * InstanceNormalization and GroupNormalization: each (sample, group) block, over its channels and
 * every spatial position, is centred and scaled by its two-pass mean and variance, then a
 * per-channel (or, with the internal `scale_per_group`, per-group) affine map applies. Rows are the
 * (n, g) blocks; NHWC instance norm runs vectorized across channels instead.
 */
const P_SCALE = 2;
const P_BIAS = 3;

interface NormAttrs {
  readonly epsilon: number;
  readonly layout: 'NCHW' | 'NHWC';
  readonly num_groups?: number;
  readonly scale_per_group?: number;
}

function lowerGroups(ctx: LowerContext, groups: number, perGroup: boolean): ReturnType<Lowering> {
  const attrs = ctx.attrs as unknown as NormAttrs;
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const scale = input(ctx, 1, 'a scale');
  const bias = input(ctx, 2, 'a bias');
  const type = floatType(x.dtype, ctx.node.op);
  const { batch: N, channels: C, spatial: S } = channelGeometry(x.shape, attrs.layout);
  if (groups <= 0 || C % groups !== 0)
    throw new LoweringUnsupported(`${C} channels do not split into ${groups} groups`);
  const cg = C / groups;
  const params = perGroup ? groups : C;
  for (const p of [scale, bias]) {
    if (p.shape.reduce((a, b) => a * b, 1) !== params)
      throw new LoweringUnsupported(`parameters need ${params} values`);
  }
  // strides per slot: x, (unused stat), scale and bias (the same per-channel index)
  const dim = (extent: number, xs: number, ps: number): Dim => ({ extent, strides: [xs, 0, ps, ps] });
  const nchw = attrs.layout === 'NCHW';
  const n = dim(N, C * S, 0);
  const g = dim(groups, nchw ? cg * S : cg, perGroup ? 1 : cg);
  const c = dim(cg, nchw ? S : 1, perGroup ? 0 : 1);
  const s = dim(S, nchw ? 1 : C, 0);
  const rows: Rows =
    !nchw && cg === 1
      ? { outer: collapse([n]), reduced: collapse([s]), inner: g }
      : { outer: collapse([n, g]), reduced: collapse(nchw ? [c, s] : [s, c]) };
  const passes = normalizePasses(
    type,
    cg * S,
    (v) => invSqrt(type, v, attrs.epsilon),
    (at) => load(x.buffer, x.dtype, at.index(X)),
    (at, v) => {
      const param = (p: LoweredValue, slot: number): Expr =>
        convert(computeType(p.dtype), type, load(p.buffer, p.dtype, at.index(slot)));
      const a = binary('mul', type, at.acc('inv'), param(scale, P_SCALE));
      return [
        store(
          out.buffer,
          out.dtype,
          at.index(X),
          binary('add', type, binary('mul', type, v, a), param(bias, P_BIAS)),
        ),
      ];
    },
  );
  const name = `${ctx.node.op === 'InstanceNormalization' ? 'instancenorm' : 'groupnorm'}_${attrs.layout.toLowerCase()}_${dtypeTag(x.dtype)}`;
  return {
    kernels: [
      rowKernel(ctx, name, rows, passes, {
        reads: [x.buffer, scale.buffer, bias.buffer],
        writes: [out.buffer],
      }),
    ],
  };
}

/**
 * Two-pass statistics of each row (mean, then `inv` from the population variance), then `emit` per
 * element with the centred value x - mean. Shared by the normalizations of this family.
 */
export function normalizePasses(
  type: Scalar,
  count: number,
  inv: (variance: Expr) => Expr,
  elem: (at: At) => Expr,
  emit: (at: At, centred: Expr) => ReturnType<Pass['body']>,
): Pass[] {
  const n = constant(type, count);
  const centred = (at: At): Expr => binary('sub', type, elem(at), at.acc('mean'));
  return [
    {
      kind: 'reduce',
      accs: [{ name: 'sum', type, init: () => zero(type) }],
      body: (at) => [at.assign('sum', binary('add', type, at.acc('sum'), elem(at)))],
    },
    {
      kind: 'row',
      accs: [{ name: 'mean', type, init: (at) => binary('div', type, at.acc('sum'), n) }],
      body: () => [],
    },
    {
      kind: 'reduce',
      accs: [{ name: 'sq', type, init: () => zero(type) }],
      body: (at) => {
        const d = centred(at);
        return [at.assign('sq', binary('add', type, at.acc('sq'), binary('mul', type, d, d)))];
      },
    },
    {
      kind: 'row',
      accs: [{ name: 'inv', type, init: (at) => inv(binary('div', type, at.acc('sq'), n)) }],
      body: () => [],
    },
    { kind: 'map', body: (at) => emit(at, centred(at)) },
  ];
}

const instanceNormalization: Lowering = (ctx) => {
  const x = input(ctx, 0, 'an input');
  const { channels } = channelGeometry(x.shape, (ctx.attrs as unknown as NormAttrs).layout);
  return lowerGroups(ctx, channels, false);
};

const groupNormalization: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as NormAttrs;
  return lowerGroups(ctx, attrs.num_groups ?? 0, attrs.scale_per_group !== 0);
};

registerLowerings({ InstanceNormalization: instanceNormalization, GroupNormalization: groupNormalization });
