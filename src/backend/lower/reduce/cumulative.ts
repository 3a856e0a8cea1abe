import { isFloat } from '../../../ir/dtype.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import { binary, compare, computeType, constant, convert, load, store } from '../../kernel/build.js';
import type { Expr, Kernel, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { constantInts, dtypeTag, input, one, output, product, rowsOf, zero } from './common.js';
import { rowKernel, X, type Rows } from './rows.js';

/**
 * CumSum and CumProd: a running value per row (and per inner position, vectorized), written after
 * each step (inclusive) or before it (exclusive). `reverse` walks the axis backwards with a negative
 * stride from the last element. Integers run in their own width and wrap. An axis computed at run
 * time selects one of the rank's loop nests.
 */
interface ScanAttrs {
  readonly exclusive: number;
  readonly reverse: number;
}

function lowerScan(isSum: boolean): Lowering {
  return (ctx) => {
    const x = input(ctx, 0, 'an input');
    const axisIn = input(ctx, 1, 'an axis');
    if (product(axisIn.shape) !== 1) throw new LoweringUnsupported('axis must hold one value');
    if (!isFloat(x.dtype) && !['int32', 'int64', 'uint32', 'uint64'].includes(x.dtype))
      throw new LoweringUnsupported(`${ctx.node.op} does not take ${x.dtype}`);
    const rank = x.shape.length;
    if (axisIn.constant) {
      return { kernels: [scanKernel(ctx, isSum, normalizeAxis(constantInts(ctx, 1, 'axis')[0]!, rank))] };
    }
    // an axis known only at run time: one loop nest per possible axis, picked by its value
    const axis = convert(
      computeType(axisIn.dtype),
      'i32',
      load(axisIn.buffer, axisIn.dtype, { terms: [], offset: 0 }),
    );
    const variants = Array.from({ length: rank }, (_, a) => scanKernel(ctx, isSum, a));
    let body: Stmt[] = [];
    for (let a = rank - 1; a >= 0; a--) {
      const is = (v: number): Expr => compare('eq', 'i32', axis, constant('i32', v));
      body = [
        { op: 'if', cond: binary('or', 'i32', is(a), is(a - rank)), then: variants[a]!.body, else: body },
      ];
    }
    const kernel: Kernel = {
      name: `${isSum ? 'cumsum' : 'cumprod'}_anyaxis_${dtypeTag(x.dtype)}`,
      node: ctx.node.name,
      reads: [...new Set([axisIn.buffer, ...variants.flatMap((k) => k.reads)])],
      writes: [...new Set(variants.flatMap((k) => k.writes))],
      body,
    };
    return { kernels: [kernel] };
  };
}

function scanKernel(ctx: LowerContext, isSum: boolean, axis: number): Kernel {
  const attrs = ctx.attrs as unknown as ScanAttrs;
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const type = computeType(x.dtype);
  let rows: Rows = rowsOf(x.shape, (d) => d === axis);
  const along = rows.reduced[0];
  if (attrs.reverse && along) {
    rows = {
      ...rows,
      reduced: [{ extent: along.extent, strides: along.strides.map((s) => -s) }],
      offsets: [(along.extent - 1) * along.strides[X]!],
    };
  }
  const fn = isSum ? 'add' : 'mul';
  return rowKernel(
    ctx,
    `${isSum ? 'cumsum' : 'cumprod'}_${rows.inner ? 'inner' : 'lastaxis'}_${dtypeTag(x.dtype)}`,
    rows,
    [
      {
        kind: 'reduce',
        accs: [{ name: 'run', type, init: () => (isSum ? zero(type) : one(type)) }],
        body: (at) => {
          const next = binary(fn, type, at.acc('run'), load(x.buffer, x.dtype, at.index(X)));
          return [
            store(out.buffer, out.dtype, at.index(X), attrs.exclusive ? at.acc('run') : next),
            at.assign('run', next),
          ];
        },
      },
    ],
    { reads: [x.buffer], writes: [out.buffer] },
  );
}

registerLowerings({ CumSum: lowerScan(true), CumProd: lowerScan(false) });
