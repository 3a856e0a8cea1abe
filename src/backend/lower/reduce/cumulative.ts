import { isFloat } from '../../../ir/dtype.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import { binary, computeType, load, store } from '../../kernel/build.js';
import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { constantInts, dtypeTag, input, one, output, rowsOf, zero } from './common.js';
import { rowKernel, X, type Rows } from './rows.js';

/**
 * CumSum and CumProd: a running value per row (and per inner position, vectorized), written after
 * each step (inclusive) or before it (exclusive). `reverse` walks the axis backwards with a negative
 * stride from the last element. Integers run in their own width and wrap.
 */
interface ScanAttrs {
  readonly exclusive: number;
  readonly reverse: number;
}

function lowerScan(isSum: boolean): Lowering {
  return (ctx) => {
    const attrs = ctx.attrs as unknown as ScanAttrs;
    const x = input(ctx, 0, 'an input');
    const out = output(ctx);
    const axisValues = constantInts(ctx, 1, 'axis');
    if (axisValues.length !== 1) throw new LoweringUnsupported('axis must hold one value');
    const axis = normalizeAxis(axisValues[0]!, x.shape.length);
    const type = computeType(x.dtype);
    if (!isFloat(x.dtype) && !['int32', 'int64', 'uint32', 'uint64'].includes(x.dtype))
      throw new LoweringUnsupported(`${ctx.node.op} does not take ${x.dtype}`);
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
    const kernel = rowKernel(
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
    return { kernels: [kernel] };
  };
}

registerLowerings({ CumSum: lowerScan(true), CumProd: lowerScan(false) });
