import type { Stmt } from '../../kernel/ir.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { copyNest, inputOf, kernelsOf, outputOf, widthName } from './common.js';
import { rowMajor } from './nest.js';

/**
 * Concat and Split: one affine copy per part, each between the part and its window of the whole
 * (the window's rows are strided by the whole's row length; inside a row the copy is one run).
 */

function concat(ctx: LowerContext): Lowered {
  const out = outputOf(ctx);
  const a = normalizeAxis(ctx.attrs.axis as number, out.shape.length);
  const outStrides = rowMajor(out.shape);
  const body: Stmt[] = [];
  const reads: string[] = [];
  let at = 0;
  ctx.inputs.forEach((_, i) => {
    const x = inputOf(ctx, i, 'Concat input');
    const nest = {
      extents: x.shape,
      accesses: [
        { offset: at * outStrides[a]!, strides: outStrides },
        { offset: 0, strides: rowMajor(x.shape) },
      ],
    };
    body.push(...copyNest(out.buffer, x.buffer, x.dtype, nest, ctx.fresh('c')));
    reads.push(x.buffer);
    at += x.shape[a]!;
  });
  return { kernels: kernelsOf(ctx, `concat_${widthName(out.dtype)}`, body) };
}

function split(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Split input');
  const a = normalizeAxis(ctx.attrs.axis as number, x.shape.length);
  const inStrides = rowMajor(x.shape);
  const body: Stmt[] = [];
  const writes: string[] = [];
  let at = 0;
  ctx.outputs.forEach((o) => {
    // an omitted output would still own a part of the axis, of a size only the split sizes tell
    if (!o) throw new LoweringUnsupported('a Split output is omitted');
    const nest = {
      extents: o.shape,
      accesses: [
        { offset: 0, strides: rowMajor(o.shape) },
        { offset: at * inStrides[a]!, strides: inStrides },
      ],
    };
    body.push(...copyNest(o.buffer, x.buffer, x.dtype, nest, ctx.fresh('p')));
    writes.push(o.buffer);
    at += o.shape[a]!;
  });
  return { kernels: kernelsOf(ctx, `split_${widthName(x.dtype)}`, body) };
}

registerLowerings({ Concat: concat, Split: split });
