import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { input } from '../support/infer.js';
import { floatResult, floatView } from './float-io.js';
import { channelsFirst, channelsLast, type Layout } from './layout.js';
import { averagePoolFloat } from './pool-kernel.js';
import { globalInfer, planesOf, poolInfer, poolWindow } from './pool-shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { windowAttrs } from './window.js';

const poolAttrs = { ...windowAttrs, ceil_mode: attr.int(0), layout: attr.layout() };

export const averagePool = defineOp({
  type: 'AveragePool',
  attrs: { ...poolAttrs, count_include_pad: attr.int(0) },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer: (ctx) => [poolInfer('AveragePool', input(ctx, 0), ctx.attrs)],
  reference([x0], a) {
    if (!x0) throw new OpError('AveragePool needs X');
    const x = channelsFirst(x0, a.layout);
    const win = poolWindow('AveragePool', x, a);
    const y = averagePoolFloat(floatView(x), planesOf(x.shape).planes, win, {
      kind: 'avg',
      countIncludePad: a.count_include_pad !== 0,
      p: 1,
    });
    return [channelsLast(floatResult(x0.dtype, [x.shape[0]!, x.shape[1]!, ...win.output], y), a.layout)];
  },
});

export const lpPool = defineOp({
  type: 'LpPool',
  attrs: { ...poolAttrs, p: attr.int(2) },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer: (ctx) => [poolInfer('LpPool', input(ctx, 0), ctx.attrs)],
  reference([x0], a) {
    if (!x0) throw new OpError('LpPool needs X');
    const x = channelsFirst(x0, a.layout);
    const win = poolWindow('LpPool', x, a);
    const y = averagePoolFloat(floatView(x), planesOf(x.shape).planes, win, {
      kind: 'lp',
      countIncludePad: false,
      p: a.p,
    });
    return [channelsLast(floatResult(x0.dtype, [x.shape[0]!, x.shape[1]!, ...win.output], y), a.layout)];
  },
});

/** Mean (p = 0) or Lp norm over each whole plane, accumulated in float64. */
function globalReduce(x0: Tensor, layout: Layout, p: number): Tensor {
  const x = channelsFirst(x0, layout);
  const { planes, plane } = planesOf(x.shape);
  const xv = floatView(x);
  const y = new Float64Array(planes);
  for (let pl = 0; pl < planes; pl++) {
    let s = 0;
    const end = (pl + 1) * plane;
    if (p === 0) for (let i = pl * plane; i < end; i++) s += xv[i]!;
    else if (p === 2) for (let i = pl * plane; i < end; i++) s += xv[i]! * xv[i]!;
    else for (let i = pl * plane; i < end; i++) s += Math.abs(xv[i]!) ** p;
    y[pl] = p === 0 ? s / plane : p === 2 ? Math.sqrt(s) : s ** (1 / p);
  }
  const shape = [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)];
  return channelsLast(floatResult(x0.dtype, shape, y), layout);
}

export const globalAveragePool = defineOp({
  type: 'GlobalAveragePool',
  attrs: { layout: attr.layout() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer: (ctx) => [globalInfer(input(ctx, 0), ctx.attrs.layout)],
  reference([x], a) {
    if (!x) throw new OpError('GlobalAveragePool needs X');
    return [globalReduce(x, a.layout, 0)];
  },
});

export const globalLpPool = defineOp({
  type: 'GlobalLpPool',
  attrs: { p: attr.int(2), layout: attr.layout() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer: (ctx) => [globalInfer(input(ctx, 0), ctx.attrs.layout)],
  reference([x], a) {
    if (!x) throw new OpError('GlobalLpPool needs X');
    if (a.p < 1) throw new OpError(`GlobalLpPool p=${a.p} must be >= 1`);
    return [globalReduce(x, a.layout, a.p)];
  },
});
