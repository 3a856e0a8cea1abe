import { OpUnsupported, OpError } from '../op.js';

/**
 * The activation functions RNN, GRU and LSTM accept by name. Parameterized ones take alpha and
 * beta from activation_alpha / activation_beta, consumed in the order of the activation list by
 * the functions that use them (ONNX Runtime's reading of the spec); a missing value takes the
 * default of the corresponding ONNX operator.
 */
type Kind =
  | 'relu'
  | 'tanh'
  | 'sigmoid'
  | 'affine'
  | 'leakyrelu'
  | 'thresholdedrelu'
  | 'scaledtanh'
  | 'hardsigmoid'
  | 'elu'
  | 'softsign'
  | 'softplus';

export interface Activation {
  readonly kind: Kind;
  readonly alpha: number;
  readonly beta: number;
}

/** Default [alpha, beta] of the functions that read them; undefined where the value is unused. */
const PARAMS: Readonly<Record<Kind, readonly [number | undefined, number | undefined]>> = {
  relu: [undefined, undefined],
  tanh: [undefined, undefined],
  sigmoid: [undefined, undefined],
  affine: [1, 0],
  leakyrelu: [0.01, undefined],
  thresholdedrelu: [1, undefined],
  scaledtanh: [1, 1],
  hardsigmoid: [0.2, 0.5],
  elu: [1, undefined],
  softsign: [undefined, undefined],
  softplus: [undefined, undefined],
};

function kindOf(name: string): Kind {
  const k = name.toLowerCase();
  if (!(k in PARAMS)) throw new OpUnsupported(`recurrent activation '${name}'`);
  return k as Kind;
}

/**
 * The activations of each direction: `defaults` names one direction's functions (f, g, h...).
 * A bidirectional node lists the forward functions, then the reverse ones.
 */
export function directionActivations(
  names: readonly string[] | undefined,
  alphas: readonly number[] | undefined,
  betas: readonly number[] | undefined,
  defaults: readonly string[],
  directions: number,
): Activation[][] {
  const count = defaults.length;
  const list = names && names.length > 0 ? names : Array.from({ length: directions }, () => defaults).flat();
  if (list.length !== count * directions && list.length !== count)
    throw new OpError(`expected ${count * directions} activations, found ${list.length}`);
  let ai = 0;
  let bi = 0;
  const parsed = list.map((name): Activation => {
    const kind = kindOf(name);
    const [da, db] = PARAMS[kind];
    const alpha = da === undefined ? 0 : (alphas?.[ai++] ?? da);
    const beta = db === undefined ? 0 : (betas?.[bi++] ?? db);
    return { kind, alpha, beta };
  });
  return Array.from({ length: directions }, (_, d) =>
    parsed.length === count ? parsed : parsed.slice(d * count, (d + 1) * count),
  );
}

/** v[off .. off+n) <- act(clip(v)), clip = 0 meaning no clipping. */
export function activate(a: Activation, v: Float64Array, off: number, n: number, clip: number): void {
  const end = off + n;
  if (clip > 0) for (let i = off; i < end; i++) v[i] = Math.min(clip, Math.max(-clip, v[i]!));
  const { alpha, beta } = a;
  switch (a.kind) {
    case 'relu':
      for (let i = off; i < end; i++) v[i] = Math.max(0, v[i]!);
      return;
    case 'tanh':
      for (let i = off; i < end; i++) v[i] = Math.tanh(v[i]!);
      return;
    case 'sigmoid':
      for (let i = off; i < end; i++) v[i] = sigmoid(v[i]!);
      return;
    case 'affine':
      for (let i = off; i < end; i++) v[i] = alpha * v[i]! + beta;
      return;
    case 'leakyrelu':
      for (let i = off; i < end; i++) v[i] = v[i]! >= 0 ? v[i]! : alpha * v[i]!;
      return;
    case 'thresholdedrelu':
      for (let i = off; i < end; i++) v[i] = v[i]! > alpha ? v[i]! : 0;
      return;
    case 'scaledtanh':
      for (let i = off; i < end; i++) v[i] = alpha * Math.tanh(beta * v[i]!);
      return;
    case 'hardsigmoid':
      for (let i = off; i < end; i++) v[i] = Math.max(0, Math.min(1, alpha * v[i]! + beta));
      return;
    case 'elu':
      for (let i = off; i < end; i++) v[i] = v[i]! >= 0 ? v[i]! : alpha * Math.expm1(v[i]!);
      return;
    case 'softsign':
      for (let i = off; i < end; i++) v[i] = v[i]! / (1 + Math.abs(v[i]!));
      return;
    case 'softplus':
      for (let i = off; i < end; i++) v[i] = softplus(v[i]!);
      return;
  }
}

function sigmoid(x: number): number {
  // exp of a negative argument only, so large |x| neither overflows nor loses the small side
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
