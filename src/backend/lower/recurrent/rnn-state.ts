import { load, store } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Stmt } from '../../kernel/ir.js';
import type { LowerContext, LoweredValue } from '../lowering.js';
import { ix, kernel, loop, numFor, suffix } from './common.js';
import type { RnnPlan } from './rnn-plan.js';

/** The kernels around a recurrence: bias sums, the initial state, and the final state's copy out. */

/** Element (d, b, j) of a [D, B, H] (layout 0) or [B, D, H] (layout 1) state tensor. */
export function stateIndex(p: RnnPlan, layout: number, d: string, b: string, j: string): Index {
  const { D, B, H } = p;
  return layout === 0
    ? ix(0, [
        [d, B * H],
        [b, H],
        [j, 1],
      ])
    : ix(0, [
        [b, D * H],
        [d, H],
        [j, 1],
      ]);
}

/** Loops b (parallel), d, j (vectorized) over the state's elements. */
function stateLoops(p: RnnPlan, body: (d: string, b: string, j: string) => Stmt[]): Stmt[] {
  const f = p.ctx.fresh('st');
  const [d, b, j] = [`${f}d`, `${f}b`, `${f}j`];
  return [
    loop(b, p.B, [loop(d, p.D, [loop(j, p.H, body(d, b, j), { vectorize: true })])], { parallel: true }),
  ];
}

/** h (and c) <- initial_h (initial_c) in the node's layout, or zeros. */
export function initStateKernel(
  p: RnnPlan,
  initialH: LoweredValue | undefined,
  initialC: LoweredValue | undefined,
): Kernel {
  const n = p.n;
  const body = stateLoops(p, (d, b, j) => {
    const at = stateIndex(p, 0, d, b, j);
    const from = (v: LoweredValue | undefined): Expr =>
      v ? load(v.buffer, v.dtype, stateIndex(p, p.layout, d, b, j)) : n.c(0);
    const out = [store(p.h, p.cdt, at, from(initialH))];
    if (p.c) out.push(store(p.c, p.cdt, at, from(initialC)));
    return out;
  });
  return kernel(p.ctx, `${p.name}_init_state_${p.sfx}`, body);
}

/** Y_h (Y_c) <- the final state, when the state did not live in the output itself. */
export function finalStateKernel(
  p: RnnPlan,
  yh: LoweredValue | undefined,
  yc: LoweredValue | undefined,
): Kernel[] {
  const copies: [string, LoweredValue][] = [];
  if (yh && yh.buffer !== p.h) copies.push([p.h, yh]);
  if (yc && p.c && yc.buffer !== p.c) copies.push([p.c, yc]);
  if (!copies.length) return [];
  const body = stateLoops(p, (d, b, j) =>
    copies.map(([from, to]) =>
      store(
        to.buffer,
        to.dtype,
        stateIndex(p, p.layout, d, b, j),
        load(from, p.cdt, stateIndex(p, 0, d, b, j)),
      ),
    ),
  );
  return [kernel(p.ctx, `${p.name}_final_state_${p.sfx}`, body)];
}

/**
 * Bias vectors from a runtime B [D, 2 G H]: xw = Wb + Rb (Wb alone in `recurrentBlocks`), and
 * rec = Rb in `recurrentBlocks`, zero elsewhere.
 */
export function biasKernel(
  ctx: LowerContext,
  bias: LoweredValue,
  cdt: 'float32' | 'float64',
  out: { xw: string; rec: string | undefined },
  D: number,
  GH: number,
  H: number,
  recurrentBlocks: readonly number[],
): Kernel {
  const n = numFor(cdt);
  const f = ctx.fresh('bias');
  const d = `${f}d`;
  const body: Stmt[] = [];
  for (let block = 0; block < GH / H; block++) {
    // one loop per gate block: which sum a column takes is decided at compile time
    const rec = recurrentBlocks.includes(block);
    const j = `${f}j${block}`;
    const at = (offset: number, dStride: number): Index =>
      ix(offset, [
        [d, dStride],
        [j, 1],
      ]);
    const wb = load(bias.buffer, bias.dtype, at(block * H, 2 * GH));
    const rb = load(bias.buffer, bias.dtype, at(GH + block * H, 2 * GH));
    const stores = [store(out.xw, cdt, at(block * H, GH), rec ? wb : n.add(wb, rb))];
    if (out.rec) stores.push(store(out.rec, cdt, at(block * H, GH), rec ? rb : n.c(0)));
    body.push(loop(j, H, stores, { vectorize: true }));
  }
  return kernel(ctx, `${ctx.node.op.toLowerCase()}_bias_${suffix(bias.dtype)}`, [loop(d, D, body)]);
}
