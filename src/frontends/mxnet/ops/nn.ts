/**
 * MXNet's layers: Convolution and Deconvolution (MXNet's weight layouts are the IR's),
 * FullyConnected, BatchNorm (fix_gamma, moving statistics at inference), LayerNorm,
 * InstanceNorm, L2Normalization, Pooling (valid/full conventions, sum pooling), Embedding,
 * UpSampling (nearest).
 */
import { attr } from '../../graph-builder.js';
import { fromNumbers, scalar } from '../../../ir/tensor.js';
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import type { MxAttrs } from '../attrs.js';
import { MxUnsupported, type MxOpContext, type MxOpTable } from '../op-context.js';

function requireNchw(c: MxOpContext): void {
  const layout = c.attrs.str('layout', 'None');
  if (!['None', 'NCW', 'NCHW', 'NCDHW'].includes(layout)) throw new MxUnsupported(`layout ${layout}`);
}

function spatialAttrs(c: MxOpContext, kernel: readonly number[]) {
  const n = kernel.length;
  return {
    stride: c.attrs.ints('stride', new Array<number>(n).fill(1)),
    dilate: c.attrs.ints('dilate', new Array<number>(n).fill(1)),
    pad: c.attrs.ints('pad', new Array<number>(n).fill(0)),
  };
}

function convolution(c: MxOpContext): string[] {
  requireNchw(c);
  const kernel = c.attrs.ints('kernel', []);
  if (kernel.length === 0) throw new Error('Convolution needs a kernel');
  const { stride, dilate, pad } = spatialAttrs(c, kernel);
  const noBias = c.attrs.bool('no_bias', false);
  const inputs = [c.input(0), c.input(1), ...(noBias ? [] : [c.input(2)])];
  return [
    c.one('Conv', inputs, {
      kernel_shape: attr.ints(kernel),
      strides: attr.ints(stride),
      dilations: attr.ints(dilate),
      pads: attr.ints([...pad, ...pad]),
      group: attr.int(c.attrs.int('num_group', 1)),
    }),
  ];
}

function deconvolution(c: MxOpContext): string[] {
  requireNchw(c);
  const kernel = c.attrs.ints('kernel', []);
  if (kernel.length === 0) throw new Error('Deconvolution needs a kernel');
  const { stride, dilate } = spatialAttrs(c, kernel);
  let pad = c.attrs.ints('pad', new Array<number>(kernel.length).fill(0));
  let adj = c.attrs.ints('adj', new Array<number>(kernel.length).fill(0));
  const target = c.attrs.ints('target_shape', []);
  const x = c.input(0);
  if (target.length && target.some((t) => t > 0)) {
    // MXNet derives pad and adj from the wanted output size (deconvolution-inl.h InferPad)
    const spatial = c.shapeOf(x).slice(2);
    pad = [];
    adj = [];
    spatial.forEach((s, i) => {
      const full = stride[i]! * (s - 1) + dilate[i]! * (kernel[i]! - 1) + 1;
      const total = full - target[i]!;
      adj.push(total % 2);
      pad.push(Math.floor((total + 1) / 2));
    });
  }
  // MXNet's Deconvolution has no bias unless no_bias is said false
  const noBias = c.attrs.bool('no_bias', true);
  const inputs = [x, c.input(1), ...(noBias || c.inputCount < 3 ? [] : [c.input(2)])];
  return [
    c.one('ConvTranspose', inputs, {
      kernel_shape: attr.ints(kernel),
      strides: attr.ints(stride),
      dilations: attr.ints(dilate),
      pads: attr.ints([...pad, ...pad]),
      output_padding: attr.ints(adj),
      group: attr.int(c.attrs.int('num_group', 1)),
    }),
  ];
}

function fullyConnected(c: MxOpContext): string[] {
  let x = c.input(0);
  const w = c.input(1);
  const noBias = c.attrs.bool('no_bias', false);
  const b = noBias ? undefined : c.input(2);
  if (c.attrs.bool('flatten', true)) {
    const shape = c.shapeOf(x);
    if (shape.length !== 2) x = c.one('Reshape', [x, c.ints64([shape[0] ?? 1, -1])]);
    return [c.one('Gemm', b ? [x, w, b] : [x, w], { transB: attr.int(1) })];
  }
  // over the last axis only: x [..., k] @ w^T [k, n]
  const y = c.one('MatMul', [x, c.one('Transpose', [w], { perm: attr.ints([1, 0]) })]);
  return [b ? c.one('Add', [y, b]) : y];
}

function ones(c: MxOpContext, n: number, value: number): string {
  return c.g.constant(fromNumbers('float32', [n], new Array<number>(n).fill(value)), `${c.base}/fill`);
}

function batchNorm(c: MxOpContext): string[] {
  const x = c.input(0);
  const rank = c.rankOf(x);
  const axis = c.axis(c.attrs.int('axis', 1), rank);
  const channels = c.shapeOf(x)[axis]!;
  // fix_gamma (MXNet's default) means gamma is 1 whatever the file holds
  const gamma = c.attrs.bool('fix_gamma', true) ? ones(c, channels, 1) : c.input(1);
  const inputs = [gamma, c.input(2), c.input(3), c.input(4)];
  const eps = c.attrs.float('eps', 1e-3);
  if (axis === 1) return [c.one('BatchNormalization', [x, ...inputs], { epsilon: attr.float(eps) })];
  // another axis: move it to 1 and back
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm.splice(axis, 1);
  perm.splice(1, 0, axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const moved = c.one('Transpose', [x], { perm: attr.ints(perm) });
  const y = c.one('BatchNormalization', [moved, ...inputs], { epsilon: attr.float(eps) });
  return [c.one('Transpose', [y], { perm: attr.ints(inverse) })];
}

function layerNorm(c: MxOpContext): string[] {
  const x = c.input(0);
  const rank = c.rankOf(x);
  const axis = c.axis(c.attrs.int('axis', -1), rank);
  const eps = c.attrs.float('eps', 1e-5);
  if (axis === rank - 1)
    return [
      c.one('LayerNormalization', [x, c.input(1), c.input(2)], {
        axis: attr.int(-1),
        epsilon: attr.float(eps),
      }),
    ];
  // normalize over one inner axis: mean and variance along it, gamma/beta broadcast along it
  const axes = c.ints64([axis]);
  const mean = c.one('ReduceMean', [x, axes], { keepdims: attr.int(1) });
  const centered = c.one('Sub', [x, mean]);
  const variance = c.one('ReduceMean', [c.one('Mul', [centered, centered]), axes], { keepdims: attr.int(1) });
  const norm = c.one('Div', [centered, c.one('Sqrt', [c.one('Add', [variance, c.scalarLike(eps, x)])])]);
  const shape = new Array<number>(rank).fill(1);
  shape[axis] = c.shapeOf(x)[axis]!;
  const gamma = c.one('Reshape', [c.input(1), c.ints64(shape)]);
  const beta = c.one('Reshape', [c.input(2), c.ints64(shape)]);
  return [c.one('Add', [c.one('Mul', [norm, gamma]), beta])];
}

function l2Normalization(c: MxOpContext): string[] {
  const x = c.input(0);
  const rank = c.rankOf(x);
  const mode = c.attrs.str('mode', 'instance');
  const axes =
    mode === 'instance'
      ? Array.from({ length: rank - 1 }, (_, i) => i + 1)
      : mode === 'channel'
        ? [1]
        : mode === 'spatial'
          ? Array.from({ length: rank - 2 }, (_, i) => i + 2)
          : undefined;
  if (!axes) throw new MxUnsupported(`mode ${mode}`);
  const sumSq = c.one('ReduceSumSquare', [x, c.ints64(axes)], { keepdims: attr.int(1) });
  const norm = c.one('Sqrt', [c.one('Add', [sumSq, c.scalarLike(c.attrs.float('eps', 1e-10), x)])]);
  return [c.one('Div', [x, norm])];
}

function pooling(c: MxOpContext): string[] {
  requireNchw(c);
  const x = c.input(0);
  const type = c.attrs.str('pool_type', 'max');
  if (!['max', 'avg', 'sum'].includes(type)) throw new MxUnsupported(`pool_type ${type}`);
  const rank = c.rankOf(x);
  if (c.attrs.bool('global_pool', false)) {
    if (type === 'sum')
      return [
        c.one('ReduceSum', [x, c.ints64(Array.from({ length: rank - 2 }, (_, i) => i + 2))], {
          keepdims: attr.int(1),
        }),
      ];
    return [c.one(type === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x])];
  }
  const kernel = c.attrs.ints('kernel', []);
  const n = kernel.length;
  const stride = c.attrs.ints('stride', new Array<number>(n).fill(1));
  const pad = c.attrs.ints('pad', new Array<number>(n).fill(0));
  const convention = c.attrs.str('pooling_convention', 'valid');
  if (convention !== 'valid' && convention !== 'full')
    throw new MxUnsupported(`pooling_convention ${convention}`);
  const includePad = c.attrs.bool('count_include_pad', true);
  const attrs = {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(stride),
    pads: attr.ints([...pad, ...pad]),
    ceil_mode: attr.int(convention === 'full' ? 1 : 0),
  };
  if (type === 'max') return [c.one('MaxPool', [x], attrs)];
  const avg = c.one('AveragePool', [x], { ...attrs, count_include_pad: attr.int(includePad ? 1 : 0) });
  if (type === 'avg') return [avg];
  // sum = mean over the full window area (MXNet sums padding as zeros)
  const area = kernel.reduce((a, b) => a * b, 1);
  const full = includePad ? avg : c.one('AveragePool', [x], { ...attrs, count_include_pad: attr.int(1) });
  return [c.one('Mul', [full, c.scalarLike(area, x)])];
}

/** Indices arrive as floats: truncated, then clipped into the table (MXNet neither wraps nor fails). */
function embedding(c: MxOpContext): string[] {
  const table = c.input(1);
  const rows = c.shapeOf(table)[0]!;
  const index = c.one('Cast', [c.input(0)], { to: attr.int(codeOfDType('int64')) });
  const bound = (v: number): string => c.g.constant(scalar('int64', v), `${c.base}/bound`);
  const clipped = c.one('Clip', [index, bound(0), bound(rows - 1)]);
  return [c.one('Gather', [table, clipped], { axis: attr.int(0) })];
}

function upSampling(c: MxOpContext): string[] {
  const type = c.attrs.str('sample_type', 'nearest');
  if (type !== 'nearest') throw new MxUnsupported(`sample_type ${type}`);
  const scale = c.attrs.int('scale', 1);
  const count = c.attrs.int('num_args', c.inputCount);
  const first = c.shapeOf(c.input(0));
  const target = first.slice(2).map((d) => d * scale);
  // every input goes to the first's size times scale (its own scale is target / its size)
  const ups = Array.from({ length: count }, (_, i) => {
    const x = c.input(i);
    const shape = c.shapeOf(x);
    const sizes = c.ints64([...shape.slice(0, 2), ...target]);
    return c.one('Resize', [x, '', '', sizes], {
      mode: attr.string('nearest'),
      coordinate_transformation_mode: attr.string('asymmetric'),
      nearest_mode: attr.string('floor'),
    });
  });
  if (ups.length === 1) return ups;
  if (c.attrs.str('multi_input_mode', 'concat') === 'sum')
    return [ups.reduce((a, b) => c.one('Add', [a, b]))];
  return [c.one('Concat', ups, { axis: attr.int(1) })];
}

/** BatchNorm and LayerNorm show their mean and variance only when asked to. */
const meanVar = (a: MxAttrs): number => (a.bool('output_mean_var', false) ? 3 : 1);

export const NN_OPS: MxOpTable = {
  Convolution: { lower: convolution },
  Convolution_v1: { lower: convolution },
  Deconvolution: { lower: deconvolution },
  FullyConnected: { lower: fullyConnected },
  BatchNorm: { lower: batchNorm, outputs: meanVar },
  BatchNorm_v1: { lower: batchNorm, outputs: meanVar },
  LayerNorm: { lower: layerNorm, outputs: meanVar },
  InstanceNorm: {
    lower: (c) => [
      c.one('InstanceNormalization', [c.input(0), c.input(1), c.input(2)], {
        epsilon: attr.float(c.attrs.float('eps', 1e-3)),
      }),
    ],
  },
  L2Normalization: { lower: l2Normalization },
  Pooling: { lower: pooling },
  Pooling_v1: { lower: pooling },
  Embedding: { lower: embedding },
  UpSampling: { lower: upSampling },
};
