import { normalizeAxis } from '../../../ops/support/axes.js';
import { binary, computeType, constant, convert, load, store, unary } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import type { Lowering, LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { broadcastStrides, dtypeTag, floatType, input, invSqrt, output, rowsOf, zero } from './common.js';
import { normalizePasses } from './group-norm.js';
import { rowKernel, STAT, X, type At } from './rows.js';

/**
 * LayerNormalization and RMSNormalization: rows are x[n, axis:], scale and bias broadcast over the
 * normalized dims (their own strides in slots 2 and 3, so no expanded copy). Rows are the last
 * axes, so statistics are scalar locals; the optional Mean and InvStdDev outputs are written per row.
 */
const P_SCALE = 2;
const P_BIAS = 3;

interface NormAttrs {
  readonly axis: number;
  readonly epsilon: number;
  readonly stash_type: number;
}

function paramStrides(p: LoweredValue | undefined, shape: readonly number[], axis: number): number[] {
  if (!p) return new Array<number>(shape.length).fill(0);
  return [...new Array<number>(axis).fill(0), ...broadcastStrides(p.shape, shape.slice(axis))];
}

function param(p: LoweredValue, at: At, slot: number, type: ReturnType<typeof computeType>): Expr {
  return convert(computeType(p.dtype), type, load(p.buffer, p.dtype, at.index(slot)));
}

const layerNormalization: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as NormAttrs;
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const scale = input(ctx, 1, 'a scale');
  const bias = ctx.inputs[2];
  const type = floatType(x.dtype, 'LayerNormalization');
  const axis = normalizeAxis(attrs.axis, x.shape.length);
  const rows = rowsOf(x.shape, (d) => d >= axis, {
    extra: [paramStrides(scale, x.shape, axis), paramStrides(bias, x.shape, axis)],
  });
  const count = x.shape.slice(axis).reduce((a, b) => a * b, 1);
  const stats = [ctx.outputs[1], ctx.outputs[2]];
  const passes = normalizePasses(
    type,
    count,
    (v) => invSqrt(type, v, attrs.epsilon),
    (at) => load(x.buffer, x.dtype, at.index(X)),
    (at, centred) => {
      let y = binary(
        'mul',
        type,
        binary('mul', type, centred, at.acc('inv')),
        param(scale, at, P_SCALE, type),
      );
      if (bias) y = binary('add', type, y, param(bias, at, P_BIAS, type));
      return [store(out.buffer, out.dtype, at.index(X), y)];
    },
  );
  if (stats.some((s) => s)) {
    const write = (s: LoweredValue | undefined, at: At, v: Expr): Stmt[] =>
      s ? [store(s.buffer, s.dtype, at.index(STAT), convert(type, computeType(s.dtype), v))] : [];
    // after the statistics, before the element pass
    passes.splice(4, 0, {
      kind: 'row',
      body: (at) => [...write(stats[0], at, at.acc('mean')), ...write(stats[1], at, at.acc('inv'))],
    });
  }
  const reads = [x.buffer, scale.buffer, ...(bias ? [bias.buffer] : [])];
  const writes = [out.buffer, ...stats.flatMap((s) => (s ? [s.buffer] : []))];
  return {
    kernels: [rowKernel(ctx, `layernorm_lastaxes_${dtypeTag(x.dtype)}`, rows, passes, { reads, writes })],
  };
};

const rmsNormalization: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as NormAttrs;
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const scale = input(ctx, 1, 'a scale');
  const type = floatType(x.dtype, 'RMSNormalization');
  const axis = normalizeAxis(attrs.axis, x.shape.length);
  const rows = rowsOf(x.shape, (d) => d >= axis, { extra: [paramStrides(scale, x.shape, axis)] });
  const count = x.shape.slice(axis).reduce((a, b) => a * b, 1);
  const elem = (at: At): Expr => load(x.buffer, x.dtype, at.index(X));
  const kernel = rowKernel(
    ctx,
    `rmsnorm_lastaxes_${dtypeTag(x.dtype)}`,
    rows,
    [
      {
        kind: 'reduce',
        accs: [{ name: 'sq', type, init: () => zero(type) }],
        body: (at) => [
          at.assign('sq', binary('add', type, at.acc('sq'), binary('mul', type, elem(at), elem(at)))),
        ],
      },
      {
        kind: 'row',
        accs: [
          {
            name: 'inv',
            type,
            init: (at) => {
              const ms = binary(
                'add',
                type,
                binary('div', type, at.acc('sq'), constant(type, count)),
                constant(type, attrs.epsilon),
              );
              return binary('div', type, constant(type, 1), unary('sqrt', type, ms));
            },
          },
        ],
        body: () => [],
      },
      {
        kind: 'map',
        body: (at) => [
          store(
            out.buffer,
            out.dtype,
            at.index(X),
            binary(
              'mul',
              type,
              binary('mul', type, elem(at), at.acc('inv')),
              param(scale, at, P_SCALE, type),
            ),
          ),
        ],
      },
    ],
    { reads: [x.buffer, scale.buffer], writes: [out.buffer] },
  );
  return { kernels: [kernel] };
};

registerLowerings({ LayerNormalization: layerNormalization, RMSNormalization: rmsNormalization });
