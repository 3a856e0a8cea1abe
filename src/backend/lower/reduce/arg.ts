import { isFloat } from '../../../ir/dtype.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import { binary, compare, computeType, convert, isUnsignedDType, load, store } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, highest, input, lowest, output, rowsOf, zero } from './common.js';
import { rowKernel, STAT, X } from './rows.js';

/**
 * ArgMax/ArgMin as a reduction to (index, value) pairs. The reference starts from the first element;
 * starting from the identity (-inf for ArgMax) picks the same index, as the first element either
 * beats it or ties it (and ties only move the index with select_last_index). The first NaN wins and
 * stays: once the best is NaN no element replaces it.
 */
interface ArgAttrs {
  readonly axis: number;
  readonly keepdims: number;
  readonly select_last_index: number;
}

function lowerArg(isMax: boolean): Lowering {
  return (ctx) => {
    const attrs = ctx.attrs as unknown as ArgAttrs;
    const x = input(ctx, 0, 'an input');
    const out = output(ctx);
    const axis = normalizeAxis(attrs.axis, x.shape.length);
    if (x.shape[axis] === 0) throw new LoweringUnsupported(`${ctx.node.op} over an empty axis`);
    const type = computeType(x.dtype);
    const unsigned = isUnsignedDType(x.dtype);
    const last = attrs.select_last_index !== 0;
    const rows = rowsOf(x.shape, (d) => d === axis);
    const better = (v: Expr, best: Expr): Expr => {
      const fn = isMax ? (last ? 'ge' : 'gt') : last ? 'le' : 'lt';
      const wins = compare(fn, type, v, best, unsigned);
      if (!isFloat(x.dtype)) return wins;
      const bestIsNumber = compare('eq', type, best, best);
      return binary('and', 'i32', bestIsNumber, binary('or', 'i32', wins, compare('ne', type, v, v)));
    };
    const kernel = rowKernel(
      ctx,
      `${isMax ? 'argmax' : 'argmin'}_${rows.inner ? 'inner' : 'rows'}_${dtypeTag(x.dtype)}`,
      rows,
      [
        {
          kind: 'reduce',
          accs: [
            { name: 'at', type: 'i32', init: () => zero('i32') },
            { name: 'best', type, init: () => (isMax ? lowest(x.dtype) : highest(x.dtype)) },
          ],
          // `at` is written first: it reads the best value before the element replaces it
          body: (at) => {
            const v = load(x.buffer, x.dtype, at.index(X));
            const c = better(v, at.acc('best'));
            return [
              at.assign('at', { op: 'select', type: 'i32', cond: c, a: at.pos, b: at.acc('at') }),
              at.assign('best', { op: 'select', type, cond: c, a: v, b: at.acc('best') }),
            ];
          },
        },
        {
          kind: 'row',
          body: (at) => [store(out.buffer, 'int64', at.index(STAT), convert('i32', 'i64', at.acc('at')))],
        },
      ],
      { reads: [x.buffer], writes: [out.buffer] },
    );
    return { kernels: [kernel] };
  };
}

registerLowerings({ ArgMax: lowerArg(true), ArgMin: lowerArg(false) });
