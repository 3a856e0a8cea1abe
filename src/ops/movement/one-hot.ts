import { freshDim } from '../../ir/shape.js';
import { getNumber, sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { input } from '../support/infer.js';
import { slots } from './copy.js';
import { filled } from './constant.js';

/** depth may be of any numeric type; a fractional depth is truncated, as numpy's int() does. */
function depthOf(t: Tensor): number {
  if (t.data.length !== 1) throw new OpError('OneHot depth must be a scalar or a 1-element tensor');
  const d = Math.trunc(getNumber(t, 0));
  if (!(d >= 1)) throw new OpError(`OneHot depth ${d} must be positive`);
  return d;
}

export const OneHot = defineOp({
  type: 'OneHot',
  attrs: { axis: attr.int(-1) },
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer(ctx) {
    const ind = input(ctx, 0);
    const values = input(ctx, 2);
    if (!ind.shape) return [{ dtype: values.dtype, shape: undefined }];
    const a = normalizeAxis(ctx.attrs.axis, ind.shape.length + 1);
    const depth = ctx.constants[1] ? depthOf(ctx.constants[1]) : freshDim('depth');
    return [{ dtype: values.dtype, shape: [...ind.shape.slice(0, a), depth, ...ind.shape.slice(a)] }];
  },
  reference([indices, depthT, values], attrs) {
    if (!indices || !depthT || !values) throw new OpError('OneHot needs indices, depth and values');
    if (values.data.length !== 2) throw new OpError('OneHot values must be [off, on]');
    const depth = depthOf(depthT);
    const a = normalizeAxis(attrs.axis, indices.shape.length + 1);
    const outShape = [...indices.shape.slice(0, a), depth, ...indices.shape.slice(a)];
    const out = filled(values.dtype, outShape, values.data[0]!);
    const on = values.data[1] as number;
    const o = slots(out.data);
    const inner = sizeOf(indices.shape.slice(a));
    const n = indices.data.length;
    for (let p = 0; p < n; p++) {
      let v = Math.trunc(getNumber(indices, p));
      // negative indices count from depth; anything still outside [0, depth) stays all "off"
      if (v < 0) v += depth;
      if (v < 0 || v >= depth) continue;
      const outer = Math.floor(p / inner);
      o[(outer * depth + v) * inner + (p % inner)] = on;
    }
    return [out];
  },
});
