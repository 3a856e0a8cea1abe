import { isFloat } from '../../../ir/dtype.js';
import { getNumber, sizeOf } from '../../../ir/tensor.js';
import { computeType, isUnsignedDType } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext } from '../lowering.js';
import { inputOf, outputOf } from './common.js';
import { operand, type Operand } from './map.js';
import { registerMapLowerings, type MapLowering } from './map-registry.js';
import { constantElement, Num, to } from './scalar.js';
import { dtypeName } from './names.js';

/**
 * Clip with optional scalar bounds (inputs 1 and 2), applied as the reference does: min first, then
 * max, by compares, so min > max gives max and a NaN bound lets x through. A bound of another float
 * dtype (opset < 11 attributes become float32 constants) is rounded to x's compute type first: the
 * rounding is monotonic, so clamping against the rounded bound stores exactly what clamping against
 * the exact one and rounding the result does.
 */
function bound(ctx: LowerContext, i: number, n: Num): Operand | undefined {
  const b = ctx.inputs[i];
  const x = inputOf(ctx, 0);
  if (!b) return undefined;
  if (sizeOf(b.shape) !== 1) throw new LoweringUnsupported('Clip bounds must have one element');
  if (b.dtype !== x.dtype && !isFloat(x.dtype)) {
    throw new LoweringUnsupported(`Clip of ${x.dtype} with a ${b.dtype} bound is not lowered`);
  }
  if (b.constant) {
    const value: Expr = b.dtype === x.dtype ? constantElement(b.constant) : n.c(getNumber(b.constant, 0));
    return { value };
  }
  return operand(b, []);
}

const clip: MapLowering = (ctx) => {
  const x = inputOf(ctx, 0);
  const n = new Num(computeType(x.dtype), isUnsignedDType(x.dtype));
  const bounds = [bound(ctx, 1, n), bound(ctx, 2, n)];
  const present = bounds.filter((b): b is Operand => b !== undefined);
  const dtypes = [1, 2].filter((i) => bounds[i - 1]).map((i) => inputOf(ctx, i).dtype);
  return {
    op: 'clip',
    suffix: dtypeName(x.dtype),
    operands: [operand(x), ...present],
    out: outputOf(ctx),
    body: (s, [v, ...bs]) => {
      const value = (k: number) => to(bs[k]!, n.t, isUnsignedDType(dtypes[k]!));
      let r = s.let(v!);
      let k = 0;
      if (bounds[0]) {
        const lo = s.let(value(k++));
        r = s.let(n.sel(n.lt(r, lo), lo, r));
      }
      if (bounds[1]) {
        const hi = s.let(value(k++));
        r = n.sel(n.gt(r, hi), hi, r);
      }
      return r;
    },
  };
};

registerMapLowerings({ Clip: clip });
