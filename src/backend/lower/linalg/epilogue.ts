import type { HalfType } from '../../../options/auto-cast.js';
import { sizeOf } from '../../../ir/tensor.js';
import type { ActivationAttrs } from '../../../ops/linalg/fused-activation.js';
import { binary, compare, computeType, constant, load, select, store, unary } from '../../kernel/build.js';
import type { Activation, Expr, GemmCall, Kernel, MatrixRef, Scalar, Stmt } from '../../kernel/ir.js';
import type { LowerContext, LoweredValue } from '../lowering.js';
import { f32Input, halfOf, inHalf, ix, kernel, suffix } from './common.js';
import { levelVar, nest } from './nest.js';

/**
 * The epilogue of a fused conv/matmul node (ai.neuron::Fused*): a residual added, then an
 * activation. GEMM paths hand it to the micro-kernel (GemmCall.residual/activation, applied in
 * registers before the store); other paths (direct and depthwise convs, loop matmuls) run it as one
 * loop over the output after the op's kernels.
 */
export interface Epilogue {
  /** Added element for element; the output's shape. */
  readonly residual?: LoweredValue;
  readonly activation?: Activation;
}

export const NO_EPILOGUE: Epilogue = {};

function isEmpty(e: Epilogue): boolean {
  return !e.residual && !e.activation;
}

/** The kernel-IR activation of a fused node's attributes (undefined for 'none'). */
export function activationOf(a: ActivationAttrs): Activation | undefined {
  const p = a.activation_params;
  switch (a.activation) {
    case 'none':
      return undefined;
    case 'relu':
      return { kind: 'clamp', min: 0, max: Infinity };
    case 'clip':
      return { kind: 'clamp', min: p[0]!, max: p[1]! };
    case 'leakyrelu':
      return { kind: 'leakyrelu', alpha: p[0]! };
    case 'hardsigmoid':
      return { kind: 'hardsigmoid', alpha: p[0]!, beta: p[1]! };
    case 'gelu':
      return { kind: 'gelu', approximate: 'none' };
    case 'gelu_tanh':
      return { kind: 'gelu', approximate: 'tanh' };
    default:
      return { kind: a.activation };
  }
}

/** A fused node's epilogue: input `residualInput` and its activation attributes. */
export function epilogueOf(ctx: LowerContext, residualInput: number): Epilogue {
  const residual = ctx.inputs[residualInput];
  const activation = activationOf(ctx.attrs as unknown as ActivationAttrs);
  return { ...(residual ? { residual } : {}), ...(activation ? { activation } : {}) };
}

/**
 * GemmCall fields of the epilogue, its residual laid out as C (`c` with R's buffer, read in its
 * float32 or 16-bit storage); a residual of another dtype is widened into scratch first (`pre`).
 */
export function gemmEpilogue(
  ctx: LowerContext,
  e: Epilogue,
  pre: Kernel[],
): (c: MatrixRef) => Pick<GemmCall, 'residual' | 'activation'> {
  let residual: { buffer: string; half: HalfType | undefined } | undefined;
  if (e.residual) {
    const half = halfOf(e.residual.dtype);
    if (half || e.residual.dtype === 'float32') residual = { buffer: e.residual.buffer, half };
    else {
      const staged = f32Input(ctx, e.residual, 'residual');
      pre.push(...staged.pre);
      residual = { buffer: staged.buffer, half: undefined };
    }
  }
  return (c) => ({
    ...(residual ? { residual: inHalf({ ...c, buffer: residual.buffer }, residual.half) } : {}),
    ...(e.activation ? { activation: e.activation } : {}),
  });
}

/** f(x) in kernel IR, `x` a local (read as often as needed); semantics of kernel/gemm-call.ts. */
export function activationExpr(a: Activation, t: Scalar, x: Expr): Expr {
  const k = (v: number): Expr => constant(t, v);
  const mul = (p: Expr, q: Expr): Expr => binary('mul', t, p, q);
  const add = (p: Expr, q: Expr): Expr => binary('add', t, p, q);
  const below = (v: Expr, lo: number): Expr => select(t, compare('lt', t, v, k(lo)), k(lo), v);
  const above = (v: Expr, hi: number): Expr => select(t, compare('lt', t, k(hi), v), k(hi), v);
  const unit = (v: Expr): Expr => binary('max', t, k(0), binary('min', t, k(1), v));
  switch (a.kind) {
    case 'clamp': {
      const lo = a.min === -Infinity ? x : below(x, a.min);
      return a.max === Infinity ? lo : above(lo, a.max);
    }
    case 'leakyrelu':
      return select(t, compare('lt', t, x, k(0)), mul(k(a.alpha), x), x);
    case 'sigmoid':
      return unary('sigmoid', t, x);
    case 'silu':
      return mul(x, unary('sigmoid', t, x));
    case 'tanh':
      return unary('tanh', t, x);
    case 'hardsigmoid':
      return unit(add(mul(k(a.alpha), x), k(a.beta)));
    case 'hardswish':
      return mul(x, unit(add(mul(x, k(1 / 6)), k(0.5))));
    case 'gelu': {
      const half = mul(k(0.5), x);
      if (a.approximate === 'tanh') {
        const inner = mul(k(Math.sqrt(2 / Math.PI)), add(x, mul(mul(k(0.044715), x), mul(x, x))));
        return mul(half, add(k(1), unary('tanh', t, inner)));
      }
      return mul(half, add(k(1), unary('erf', t, mul(x, k(Math.SQRT1_2)))));
    }
  }
}

/**
 * y = act(y (+ bias[c]) (+ R)) in place, one pass over the output; `bias` runs along `axis` of y.
 * For outputs whose op has no GEMM to fuse into.
 */
export function epilogueKernel(
  ctx: LowerContext,
  y: LoweredValue,
  e: Epilogue,
  bias?: { readonly value: LoweredValue; readonly axis: number },
): Kernel[] {
  if (isEmpty(e) && !bias) return [];
  const t = computeType(y.dtype);
  const axis = bias?.axis ?? 0;
  const outer = sizeOf(y.shape.slice(0, axis));
  const channels = bias ? y.shape[axis]! : 1;
  const inner = sizeOf(y.shape.slice(bias ? axis + 1 : 0));
  const f = ctx.fresh('ep');
  const [o, c, i] = [levelVar(`${f}o`, outer), levelVar(`${f}c`, channels), levelVar(`${f}i`, inner)];
  const at = ix(0, [
    [o, channels * inner],
    [c, inner],
    [i, 1],
  ]);
  let v: Expr = load(y.buffer, y.dtype, at);
  if (bias) v = binary('add', t, v, load(bias.value.buffer, bias.value.dtype, ix(0, [[c, 1]])));
  if (e.residual) v = binary('add', t, v, load(e.residual.buffer, e.residual.dtype, at));
  const x = `${f}x`;
  const body: Stmt[] = [{ op: 'set', name: x, type: t, value: v }];
  const local: Expr = { op: 'local', name: x, type: t };
  body.push(store(y.buffer, y.dtype, at, e.activation ? activationExpr(e.activation, t, local) : local));
  const loops = nest(
    [
      { v: o, extent: outer },
      // channels are the contiguous axis when nothing follows them (NHWC)
      { v: c, extent: channels, vectorize: i === undefined },
      { v: i, extent: inner, vectorize: true },
    ],
    body,
    true,
  );
  const act = e.activation ? `_${e.activation.kind}` : '';
  return [
    kernel(ctx, `epilogue${bias ? '_bias' : ''}${e.residual ? '_add' : ''}${act}_${suffix(y.dtype)}`, loops),
  ];
}
