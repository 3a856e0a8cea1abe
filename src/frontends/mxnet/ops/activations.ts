/**
 * Activations and the softmax family: Activation (every act_type), LeakyReLU (leaky, prelu, elu,
 * selu, gelu, rrelu at inference), softmax/log_softmax (axis, temperature), SoftmaxActivation,
 * and the loss heads, which at inference pass their prediction on (SoftmaxOutput as a softmax).
 */
import { attr } from '../../graph-builder.js';
import { MxUnsupported, type MxOpContext, type MxOpTable } from '../op-context.js';

function activation(c: MxOpContext, type: string, x: string): string {
  switch (type) {
    case 'relu':
      return c.one('Relu', [x]);
    case 'sigmoid':
      return c.one('Sigmoid', [x]);
    case 'tanh':
      return c.one('Tanh', [x]);
    case 'softrelu':
      return c.one('Softplus', [x]);
    case 'softsign':
      return c.one('Softsign', [x]);
    case 'log_sigmoid':
      return c.one('Neg', [c.one('Softplus', [c.one('Neg', [x])])]);
    case 'mish':
      return c.one('Mish', [x]);
    default:
      throw new MxUnsupported(`act_type ${type}`);
  }
}

function leakyRelu(c: MxOpContext): string {
  const x = c.input(0);
  const type = c.attrs.str('act_type', 'leaky');
  const slope = c.attrs.float('slope', 0.25);
  switch (type) {
    case 'leaky':
      return c.one('LeakyRelu', [x], { alpha: attr.float(slope) });
    case 'prelu': {
      // one slope per channel (axis 1), or a single one
      const gamma = c.input(1);
      const n = c.shapeOf(gamma).reduce((a, b) => a * b, 1);
      const rank = c.rankOf(x);
      const slopes =
        n > 1 && rank > 2
          ? c.one('Reshape', [gamma, c.ints64([n, ...new Array<number>(rank - 2).fill(1)])])
          : gamma;
      return c.one('PRelu', [x, slopes]);
    }
    case 'elu':
      return c.one('Elu', [x], { alpha: attr.float(slope) });
    case 'selu':
      return c.one('Selu', [x]);
    case 'gelu':
      return c.one('Gelu', [x]);
    case 'rrelu': {
      // at inference the random slope is the middle of its range
      const lo = c.attrs.float('lower_bound', 0.125);
      const hi = c.attrs.float('upper_bound', 0.334);
      return c.one('LeakyRelu', [x], { alpha: attr.float((lo + hi) / 2) });
    }
    default:
      throw new MxUnsupported(`act_type ${type}`);
  }
}

function softmax(onnx: 'Softmax' | 'LogSoftmax'): (c: MxOpContext) => string[] {
  return (c) => {
    let x = c.input(0);
    if (c.attrs.bool('use_length', false)) throw new MxUnsupported('use_length');
    const t = c.attrs.float('temperature', 1);
    if (t !== 1) x = c.one('Div', [x, c.scalarLike(t, x)]);
    return [c.one(onnx, [x], { axis: attr.int(c.attrs.int('axis', -1)) })];
  };
}

/**
 * Softmax over channels at each position (channel), or per instance, which MXNet computes on the
 * data flattened to 2-D keeping the last axis: over the last axis.
 */
function softmaxActivation(c: MxOpContext): string[] {
  const x = c.input(0);
  const channel = c.attrs.str('mode', 'instance') === 'channel';
  return [c.one('Softmax', [x], { axis: attr.int(channel ? 1 : -1) })];
}

function flatSoftmax(c: MxOpContext, x: string): string {
  const shape = c.shapeOf(x);
  if (shape.length <= 2) return c.one('Softmax', [x], { axis: attr.int(-1) });
  const flat = c.one('Reshape', [x, c.ints64([shape[0]!, -1])]);
  return c.one('Reshape', [c.one('Softmax', [flat], { axis: attr.int(-1) }), c.ints64(shape)]);
}

function softmaxOutput(c: MxOpContext): string[] {
  const x = c.input(0);
  if (c.attrs.bool('multi_output', false)) return [c.one('Softmax', [x], { axis: attr.int(1) })];
  if (c.attrs.bool('preserve_shape', false)) return [c.one('Softmax', [x], { axis: attr.int(-1) })];
  return [flatSoftmax(c, x)];
}

const unary = (onnx: string) => ({ lower: (c: MxOpContext) => [c.one(onnx, [c.input(0)])] });
const identity = { lower: (c: MxOpContext) => [c.input(0)] };

export const ACTIVATION_OPS: MxOpTable = {
  Activation: { lower: (c) => [activation(c, c.attrs.str('act_type', 'relu'), c.input(0))] },
  LeakyReLU: { lower: (c) => [leakyRelu(c)] },
  softmax: { lower: softmax('Softmax') },
  log_softmax: { lower: softmax('LogSoftmax') },
  SoftmaxActivation: { lower: softmaxActivation },
  SoftmaxOutput: { lower: softmaxOutput },
  Softmax: { lower: softmaxOutput },
  LinearRegressionOutput: identity,
  MAERegressionOutput: identity,
  LogisticRegressionOutput: unary('Sigmoid'),
  relu: unary('Relu'),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  softsign: unary('Softsign'),
  hard_sigmoid: {
    lower: (c) => [
      c.one('HardSigmoid', [c.input(0)], {
        alpha: attr.float(c.attrs.float('alpha', 0.2)),
        beta: attr.float(c.attrs.float('beta', 0.5)),
      }),
    ],
  },
  Dropout: { lower: identity.lower, outputs: () => 1 },
  BlockGrad: identity,
  stop_gradient: identity,
  _copy: identity,
  identity,
  MakeLoss: identity,
};
