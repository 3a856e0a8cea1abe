import { getNumber } from '../../../ir/tensor.js';
import { binary, compare, computeType, constant, load } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { copyNest, fillNest, inputOf, kernelOf, outputOf, rawConstant, widthName } from './common.js';

/**
 * Dropout in inference is the identity (and an all-true mask). Training mode with a non-zero ratio
 * is random: refused when both are known at compile time, and guarded by a run-time check when either
 * arrives as an input (the run then fails with a clear error instead of returning wrong values).
 */
export function lowerDropout(ctx: LowerContext): Lowered {
  const guard = trainingGuard(ctx);
  const maskOut = ctx.outputs[1];
  if (!guard && !maskOut) return { aliasOf: 0 };
  const x = inputOf(ctx, 0, 'Dropout input');
  const out = outputOf(ctx, 0);
  const n = x.shape.reduce((a, b) => a * b, 1);
  const nest = (k: number) => ({
    extents: [n],
    accesses: Array.from({ length: k }, () => ({ offset: 0, strides: [1] })),
  });
  const kernels = [];
  if (guard) kernels.push(kernelOf(ctx, 'dropout_training_guard', [guard.stmt], guard.reads, []));
  kernels.push(
    kernelOf(
      ctx,
      `dropout_copy_${widthName(x.dtype)}`,
      copyNest(out.buffer, x.buffer, x.dtype, nest(2), ctx.fresh('d')),
      [x.buffer],
      [out.buffer],
    ),
  );
  if (maskOut) {
    const mask = outputOf(ctx, 1);
    kernels.push(
      kernelOf(
        ctx,
        'dropout_mask_b8',
        fillNest(mask.buffer, 'bool', rawConstant('bool', 1), nest(1), ctx.fresh('m')),
        [],
        [mask.buffer],
      ),
    );
  }
  return { kernels };
}

/** The run-time condition under which Dropout would have to drop: training && ratio != 0. */
function trainingGuard(ctx: LowerContext): { stmt: Stmt; reads: string[] } | undefined {
  const training = ctx.inputs[2];
  if (!training) return undefined;
  const ratio = ctx.inputs[1];
  const ratioValue = !ratio ? 0.5 : ratio.constant ? getNumber(ratio.constant, 0) : undefined;
  if (ratioValue === 0) return undefined;
  const trainingValue = training.constant ? Number(training.constant.data[0]) : undefined;
  if (trainingValue === 0) return undefined;
  if (trainingValue !== undefined && ratioValue !== undefined) {
    throw new LoweringUnsupported('Dropout in training mode with a non-zero ratio is random');
  }
  const scalar = { terms: [], offset: 0 };
  const isTraining: Expr =
    trainingValue !== undefined
      ? constant('i32', 1)
      : compare('ne', 'i32', load(training.buffer, training.dtype, scalar), constant('i32', 0));
  const ratioType = ratio ? computeType(ratio.dtype) : 'f32';
  const dropsSome: Expr =
    ratioValue !== undefined
      ? constant('i32', 1)
      : compare('ne', ratioType, load(ratio!.buffer, ratio!.dtype, scalar), constant(ratioType, 0));
  const cond = binary('and', 'i32', isTraining, dropsSome);
  const reads = [
    trainingValue === undefined ? training.buffer : undefined,
    ratioValue === undefined ? ratio!.buffer : undefined,
  ];
  return {
    stmt: ctx.check(
      cond,
      'Dropout in training mode with a non-zero ratio samples a random mask, which compiled code does not do',
    ),
    reads: reads.filter((b): b is string => b !== undefined),
  };
}
