import { normalizeAxis } from '../../../ops/support/axes.js';
import { binary, compare, constant, load, select, store, unary } from '../../kernel/build.js';
import type { DType } from '../../../ir/dtype.js';
import type { Expr, Kernel, Scalar } from '../../kernel/ir.js';
import type { LowerContext, LoweredValue, Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, output, rowsOf, zero } from './common.js';
import { rowKernel, scalarDtype, X, type At, type Pass } from './rows.js';

/**
 * Softmax, LogSoftmax and Hardmax along one axis (or, with the internal `coerce2d`, over every
 * axis from `axis` on, as opsets < 13 did). The row max is subtracted before exp so large inputs
 * do not overflow; like the reference it skips NaN (`x > max`), so a NaN row gives NaN outputs.
 */
export type Mode = 'softmax' | 'log' | 'hard';

/** Where a result goes: an output or a scratch buffer. */
export interface Target {
  readonly buffer: string;
  readonly dtype: DType;
}

interface SoftmaxAttrs {
  readonly axis: number;
  readonly coerce2d: number;
}

function lowerSoftmax(mode: Mode): Lowering {
  return (ctx) => {
    const attrs = ctx.attrs as unknown as SoftmaxAttrs;
    const x = input(ctx, 0, 'an input');
    const rank = x.shape.length;
    const coerce = attrs.coerce2d !== 0;
    const axis = coerce && attrs.axis === rank ? rank : normalizeAxis(attrs.axis, rank);
    return { kernels: [softmaxKernel(ctx, mode, x, output(ctx), axis, coerce)] };
  };
}

/** The kernel of one softmax-family op over `axis` (over every axis from it on when `coerce`). */
export function softmaxKernel(
  ctx: LowerContext,
  mode: Mode,
  x: LoweredValue,
  out: Target,
  axis: number,
  coerce: boolean,
): Kernel {
  const type = floatType(x.dtype, ctx.node.op);
  const rows = rowsOf(x.shape, (d) => (coerce ? d >= axis : d === axis));
  const elem = (at: At): Expr => load(x.buffer, x.dtype, at.index(X));
  const passes = mode === 'hard' ? hardmax(type, elem, out) : soft(ctx, out, mode, type, elem);
  const tag = mode === 'softmax' ? 'softmax' : mode === 'log' ? 'logsoftmax' : 'hardmax';
  const name = `${tag}_${rows.inner ? 'inner' : coerce ? 'coerce2d' : 'lastaxis'}_${dtypeTag(x.dtype)}`;
  // softmax keeps its exps in a float32/float64 output and reads them back
  const reads = keepsExps(mode, type, out) ? [x.buffer, out.buffer] : [x.buffer];
  return rowKernel(ctx, name, rows, passes, { reads, writes: [out.buffer] });
}

function keepsExps(mode: Mode, type: Scalar, out: Target): boolean {
  return mode === 'softmax' && scalarDtype(type) === out.dtype;
}

function rowMax(type: Scalar, elem: (at: At) => Expr): Pass {
  return {
    kind: 'reduce',
    accs: [{ name: 'max', type, init: () => constant(type, -Infinity) }],
    body: (at) => {
      const v = elem(at);
      return [at.assign('max', select(type, compare('gt', type, v, at.acc('max')), v, at.acc('max')))];
    },
  };
}

function soft(
  ctx: LowerContext,
  out: Target,
  mode: 'softmax' | 'log',
  type: Scalar,
  elem: (at: At) => Expr,
): Pass[] {
  const shifted = (at: At): Expr => unary('exp', type, binary('sub', type, elem(at), at.acc('max')));
  // with a float32/float64 output the exps are kept there for the final scaling (one exp per element);
  // halves recompute them rather than round twice
  const keep = keepsExps(mode, type, out);
  const e: Expr = { op: 'local', name: ctx.fresh('exp'), type };
  const sum: Pass = {
    kind: 'reduce',
    accs: [{ name: 'sum', type, init: () => zero(type) }],
    body: (at) => {
      if (!keep) return [at.assign('sum', binary('add', type, at.acc('sum'), shifted(at)))];
      return [
        { op: 'set', name: e.name, type, value: shifted(at) },
        store(out.buffer, out.dtype, at.index(X), e),
        at.assign('sum', binary('add', type, at.acc('sum'), e)),
      ];
    },
  };
  if (mode === 'log') {
    return [
      rowMax(type, elem),
      sum,
      {
        kind: 'row',
        accs: [{ name: 'logsum', type, init: (at) => unary('log', type, at.acc('sum')) }],
        body: () => [],
      },
      {
        kind: 'map',
        // (x - max) - log(sum) rather than x - (max + log(sum)): the sum with a large max would round
        body: (at) => {
          const centred = binary('sub', type, elem(at), at.acc('max'));
          return [store(out.buffer, out.dtype, at.index(X), binary('sub', type, centred, at.acc('logsum')))];
        },
      },
    ];
  }
  return [
    rowMax(type, elem),
    sum,
    {
      kind: 'row',
      accs: [{ name: 'inv', type, init: (at) => binary('div', type, constant(type, 1), at.acc('sum')) }],
      body: () => [],
    },
    {
      kind: 'map',
      body: (at) => {
        const e = keep ? load(out.buffer, out.dtype, at.index(X)) : shifted(at);
        return [store(out.buffer, out.dtype, at.index(X), binary('mul', type, e, at.acc('inv')))];
      },
    },
  ];
}

/** One-hot at the first maximum (the reference's `x > max` scan from index 0). */
function hardmax(type: Scalar, elem: (at: At) => Expr, out: Target): Pass[] {
  return [
    {
      kind: 'reduce',
      accs: [
        { name: 'at', type: 'i32', init: () => zero('i32') },
        { name: 'max', type, init: () => constant(type, -Infinity) },
      ],
      body: (at) => {
        const v = elem(at);
        const c = compare('gt', type, v, at.acc('max'));
        return [
          at.assign('at', select('i32', c, at.pos, at.acc('at'))),
          at.assign('max', select(type, c, v, at.acc('max'))),
        ];
      },
    },
    {
      kind: 'map',
      body: (at) => [
        store(
          out.buffer,
          out.dtype,
          at.index(X),
          select(type, compare('eq', 'i32', at.pos, at.acc('at')), constant(type, 1), zero(type)),
        ),
      ],
    },
  ];
}

registerLowerings({
  Softmax: lowerSoftmax('softmax'),
  LogSoftmax: lowerSoftmax('log'),
  Hardmax: lowerSoftmax('hard'),
});
