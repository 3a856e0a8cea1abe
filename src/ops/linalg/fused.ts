import type { TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { defineOp, OpError, type InferContext } from '../op.js';
import { conv, convAttrs } from './conv.js';
import {
  activationAttrs,
  addTensors,
  applyActivation,
  checkActivation,
  type ActivationAttrs,
} from './fused-activation.js';
import { gemm } from './gemm.js';
import { matMul } from './matmul.js';

/**
 * Conv, Gemm and MatMul with a fused epilogue, made by the epilogue-fusion pass (src/passes/
 * fuse-epilogue.ts): y = activation(op(...) (+ bias) (+ residual)). Internal ops of the 'ai.neuron'
 * domain; each reference is the references of the ops it replaces, run in the same order.
 *
 *   FusedConv(X, W, B?, R?)      Conv's attributes + activation
 *   FusedGemm(A, B, C?, R?)      Gemm's attributes + activation
 *   FusedMatMul(A, B, bias?, R?) bias [N] along the last axis
 *
 * R (the residual) has the output's shape and dtype.
 */
export const FUSED_DOMAIN = 'ai.neuron';

/** The residual's type must be the output's: it is added element for element, never broadcast. */
function checkResidual(op: string, out: TensorType, r: TensorType | undefined): TensorType {
  if (!r) return out;
  if (r.dtype !== out.dtype) throw new OpError(`${op}: residual is ${r.dtype}, output ${out.dtype}`);
  if (out.shape && r.shape) {
    const same =
      r.shape.length === out.shape.length &&
      r.shape.every(
        (d, i) => typeof d !== 'number' || typeof out.shape![i] !== 'number' || d === out.shape![i],
      );
    if (!same) throw new OpError(`${op}: residual [${r.shape}] is not the output's shape [${out.shape}]`);
  }
  return out;
}

/** The inner op's InferContext: its inputs only. */
function inner<A>(ctx: InferContext<A>, count: number): InferContext<A> {
  return { ...ctx, inputs: ctx.inputs.slice(0, count), constants: ctx.constants.slice(0, count) };
}

function epilogue(y: Tensor, residual: Tensor | undefined, a: ActivationAttrs): Tensor {
  return applyActivation(residual ? addTensors(y, residual) : y, a);
}

export const fusedConv = defineOp({
  type: 'FusedConv',
  domain: FUSED_DOMAIN,
  attrs: { ...convAttrs, ...activationAttrs },
  arity: { inputs: [2, 4], outputs: [1, 1] },
  autoCast: { weights: [1], activations: 'convert' },
  infer(ctx) {
    checkActivation(ctx.attrs, 'FusedConv');
    const [y] = conv.infer(inner(ctx, 3));
    return [checkResidual('FusedConv', y!, ctx.inputs[3])];
  },
  reference([x, w, b, r], a) {
    return [epilogue(conv.reference([x, w, b], a, 1)[0]!, r, a)];
  },
});

export const fusedGemm = defineOp({
  type: 'FusedGemm',
  domain: FUSED_DOMAIN,
  attrs: { ...gemm.attrs, ...activationAttrs },
  arity: { inputs: [2, 4], outputs: [1, 1] },
  autoCast: { weights: [0, 1], activations: 'convert' },
  infer(ctx) {
    checkActivation(ctx.attrs, 'FusedGemm');
    const [y] = gemm.infer(inner(ctx, 3));
    return [checkResidual('FusedGemm', y!, ctx.inputs[3])];
  },
  reference([a, b, c, r], attrs) {
    return [epilogue(gemm.reference([a, b, c], attrs, 1)[0]!, r, attrs)];
  },
});

export const fusedMatMul = defineOp({
  type: 'FusedMatMul',
  domain: FUSED_DOMAIN,
  attrs: activationAttrs,
  arity: { inputs: [2, 4], outputs: [1, 1] },
  autoCast: { weights: [0, 1], activations: 'convert' },
  infer(ctx) {
    checkActivation(ctx.attrs, 'FusedMatMul');
    const [y] = matMul.infer(inner(ctx, 2));
    const bias = ctx.inputs[2];
    const n = y!.shape?.[y!.shape.length - 1];
    if (bias?.shape && (bias.shape.length !== 1 || (typeof n === 'number' && bias.shape[0] !== n))) {
      throw new OpError(`FusedMatMul: bias [${bias.shape}] is not [${String(n)}]`);
    }
    return [checkResidual('FusedMatMul', y!, ctx.inputs[3])];
  },
  reference([a, b, bias, r], attrs) {
    const y = matMul.reference([a, b], {}, 1)[0]!;
    return [epilogue(bias ? addTensors(y, bias) : y, r, attrs)];
  },
});
