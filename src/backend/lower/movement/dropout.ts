import { getNumber } from '../../../ir/tensor.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { copyNest, fillNest, inputOf, kernelOf, outputOf, rawConstant, widthName } from './common.js';

/**
 * Dropout with its mask output: the output is a copy of the input and the mask is all true. NOT
 * registered here (views.ts owns Dropout as a view, and a lowering is either a view or kernels);
 * views.ts can delegate: `Dropout: (ctx) => (ctx.outputs[1] ? lowerDropoutWithMask(ctx) : { aliasOf: 0 })`.
 * Training mode with a non-zero ratio is random and refused, as is a training flag known only at run
 * time (the reference decides per run; compiled code cannot).
 */
export function lowerDropoutWithMask(ctx: LowerContext): Lowered {
  checkInference(ctx);
  const x = inputOf(ctx, 0, 'Dropout input');
  const out = outputOf(ctx, 0);
  const mask = outputOf(ctx, 1);
  const n = x.shape.reduce((a, b) => a * b, 1);
  const nest = (k: number) => ({
    extents: [n],
    accesses: Array.from({ length: k }, () => ({ offset: 0, strides: [1] })),
  });
  return {
    kernels: [
      kernelOf(
        ctx,
        `dropout_copy_${widthName(x.dtype)}`,
        copyNest(out.buffer, x.buffer, x.dtype, nest(2), ctx.fresh('d')),
        [x.buffer],
        [out.buffer],
      ),
      kernelOf(
        ctx,
        'dropout_mask_b8',
        fillNest(mask.buffer, 'bool', rawConstant('bool', 1), nest(1), ctx.fresh('m')),
        [],
        [mask.buffer],
      ),
    ],
  };
}

/** Refuses configurations where Dropout is not the identity (see also views.ts, which does not check). */
export function checkInference(ctx: LowerContext): void {
  const training = ctx.inputs[2];
  if (!training) return;
  const ratio = ctx.inputs[1];
  const ratioValue = !ratio ? 0.5 : ratio.constant ? getNumber(ratio.constant, 0) : undefined;
  if (ratioValue === 0) return;
  if (!training.constant) throw new LoweringUnsupported('Dropout training_mode known only at run time');
  if (training.constant.data[0])
    throw new LoweringUnsupported('Dropout in training mode with a non-zero ratio is random');
}
