import type { LowerContext, Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { constantInts, copyNest, inputOf, kernelOf, outputOf, widthName } from './common.js';
import { rowMajor } from './nest.js';

/** Expand reads broadcast axes at stride 0; Tile splits every output axis into (repeat, position). */

function expand(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Expand input');
  const out = outputOf(ctx);
  const inStrides = rowMajor(x.shape);
  const lead = out.shape.length - x.shape.length;
  const srcStrides = out.shape.map((_, d) => {
    const j = d - lead;
    return j < 0 || x.shape[j] === 1 ? 0 : inStrides[j]!;
  });
  const nest = {
    extents: out.shape,
    accesses: [
      { offset: 0, strides: rowMajor(out.shape) },
      { offset: 0, strides: srcStrides },
    ],
  };
  const body = copyNest(out.buffer, x.buffer, x.dtype, nest, ctx.fresh('e'));
  return { kernels: [kernelOf(ctx, `expand_${widthName(x.dtype)}`, body, [x.buffer], [out.buffer])] };
}

/** Output coordinate o = k * dim + i on each axis: one loop over the repeats k, one over i. */
function tile(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Tile input');
  const out = outputOf(ctx);
  const repeats = constantInts(ctx, 1, 'Tile repeats');
  const inStrides = rowMajor(x.shape);
  const outStrides = rowMajor(out.shape);
  const extents = x.shape.flatMap((d, i) => [repeats[i]!, d]);
  const nest = {
    extents,
    accesses: [
      { offset: 0, strides: x.shape.flatMap((d, i) => [d * outStrides[i]!, outStrides[i]!]) },
      { offset: 0, strides: x.shape.flatMap((_, i) => [0, inStrides[i]!]) },
    ],
  };
  const body = copyNest(out.buffer, x.buffer, x.dtype, nest, ctx.fresh('t'));
  return { kernels: [kernelOf(ctx, `tile_${widthName(x.dtype)}`, body, [x.buffer], [out.buffer])] };
}

registerLowerings({ Expand: expand, Tile: tile });
