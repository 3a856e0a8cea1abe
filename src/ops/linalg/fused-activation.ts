import type { Tensor } from '../../ir/tensor.js';
import { attr, parseAttrs, type ParsedAttrs } from '../attributes.js';
import { activationOps } from '../elementwise/activations.js';
import { arithOps } from '../elementwise/arith.js';
import { clipOps } from '../elementwise/clip.js';
import type { AnyOpDef } from '../op.js';
import { OpError } from '../op.js';

/**
 * The activation of a fused conv/matmul epilogue, as node attributes: `activation` names it and
 * `activation_params` holds its numbers (clip: [min, max] with +-Infinity for an absent bound;
 * leakyrelu: [alpha]; hardsigmoid: [alpha, beta]; the others none). Its reference runs the ONNX ops
 * it replaces, so a fused node computes what the unfused chain computed.
 */
export const ACTIVATIONS = [
  'none',
  'relu',
  'clip',
  'leakyrelu',
  'sigmoid',
  'silu',
  'tanh',
  'hardsigmoid',
  'hardswish',
  'gelu',
  'gelu_tanh',
] as const;

export type ActivationName = (typeof ACTIVATIONS)[number];

export const activationAttrs = {
  activation: attr.string<ActivationName>('none', ACTIVATIONS),
  activation_params: attr.floats([]),
};

export type ActivationAttrs = ParsedAttrs<typeof activationAttrs>;

/** How many numbers each activation takes. */
export const ACTIVATION_PARAMS: Readonly<Record<ActivationName, number>> = {
  none: 0,
  relu: 0,
  clip: 2,
  leakyrelu: 1,
  sigmoid: 0,
  silu: 0,
  tanh: 0,
  hardsigmoid: 2,
  hardswish: 0,
  gelu: 0,
  gelu_tanh: 0,
};

export function checkActivation(a: ActivationAttrs, op: string): void {
  const want = ACTIVATION_PARAMS[a.activation];
  if (a.activation_params.length !== want) {
    throw new OpError(
      `${op}: activation ${a.activation} takes ${want} params, found ${a.activation_params.length}`,
    );
  }
}

const ops = new Map<string, AnyOpDef>(
  [...activationOps, ...clipOps, ...arithOps].map((d) => [d.type, d as unknown as AnyOpDef]),
);

/** Runs ONNX op `type`'s reference on `inputs` with raw numeric attributes. */
function run(
  type: string,
  inputs: readonly (Tensor | undefined)[],
  attrs: Record<string, number | string> = {},
): Tensor {
  const def = ops.get(type)!;
  const raw = Object.fromEntries(
    Object.entries(attrs).map(([k, v]) => [
      k,
      typeof v === 'string' ? { kind: 'string' as const, value: v } : { kind: 'float' as const, value: v },
    ]),
  );
  return def.reference(inputs, parseAttrs(def.attrs, raw), 1)[0]!;
}

/** A Clip bound: a float32 scalar, or absent for an infinite one. */
function bound(v: number): Tensor | undefined {
  return Number.isFinite(v) ? { dtype: 'float32', shape: [], data: new Float32Array([v]) } : undefined;
}

/** y + r through Add's reference (numpy broadcasting: a bias vector or a residual). */
export function addTensors(y: Tensor, r: Tensor): Tensor {
  return run('Add', [y, r]);
}

/** The activation applied by the reference ops it stands for. */
export function applyActivation(y: Tensor, a: ActivationAttrs): Tensor {
  const p = a.activation_params;
  switch (a.activation) {
    case 'none':
      return y;
    case 'relu':
      return run('Relu', [y]);
    case 'clip':
      return run('Clip', [y, bound(p[0]!), bound(p[1]!)]);
    case 'leakyrelu':
      return run('LeakyRelu', [y], { alpha: p[0]! });
    case 'sigmoid':
      return run('Sigmoid', [y]);
    case 'silu':
      return run('Mul', [y, run('Sigmoid', [y])]);
    case 'tanh':
      return run('Tanh', [y]);
    case 'hardsigmoid':
      return run('HardSigmoid', [y], { alpha: p[0]!, beta: p[1]! });
    case 'hardswish':
      return run('HardSwish', [y]);
    case 'gelu':
      return run('Gelu', [y], { approximate: 'none' });
    case 'gelu_tanh':
      return run('Gelu', [y], { approximate: 'tanh' });
  }
}
