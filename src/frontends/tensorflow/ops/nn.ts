/**
 * Convolutions, pools, batch normalization and matrix products. NHWC convolutions and pools compute
 * in NCHW and leave their results in NCHW order (layout.ts); filters are rearranged at compile time
 * (HWIO -> OIHW; depthwise HWCM -> (C*M)1HW).
 */
import { reshapeTensor, type Tensor } from '../../../ir/tensor.js';
import { transposeData } from '../../../ops/movement/copy.js';
import { attr, type IrAttrs } from '../../graph-builder.js';
import { channelVector } from '../layout.js';
import type { NodeConverter } from '../node-converter.js';
import type { MappingTable, OpMapping } from './types.js';

/** [N, H, W, C]-ordered (or NCHW) attribute lists -> their two spatial entries. */
function spatial(values: readonly number[], nchwFormat: boolean): number[] {
  if (values.length === 2) return [...values];
  if (values.length !== 4) throw new Error(`expected 4 values per dimension, got [${values}]`);
  return nchwFormat ? [values[2]!, values[3]!] : [values[1]!, values[2]!];
}

/** TensorFlow padding: SAME pads the extra row and column at the end, as ONNX's SAME_UPPER. */
function padding(c: NodeConverter, nchwFormat: boolean): IrAttrs {
  const mode = c.string('padding');
  if (mode === 'SAME') return { auto_pad: attr.string('SAME_UPPER') };
  if (mode === 'VALID') return { pads: attr.ints([0, 0, 0, 0]) };
  if (mode === 'EXPLICIT') {
    const p = c.ints('explicit_paddings');
    const [h, w] = nchwFormat ? [2, 3] : [1, 2];
    return { pads: attr.ints([p[2 * h]!, p[2 * w]!, p[2 * h + 1]!, p[2 * w + 1]!]) };
  }
  throw new Error(`padding '${mode}' is not SAME, VALID or EXPLICIT`);
}

/** A filter input rearranged by `perm` (and reshaped), at compile time when it is a constant. */
function filter(
  c: NodeConverter,
  i: number,
  perm: readonly number[],
  shape?: (t: readonly number[]) => number[],
): string {
  const w = c.constant(i);
  if (w) {
    let t: Tensor = transposeData(w, perm);
    if (shape) t = reshapeTensor(t, shape(t.shape));
    return c.g.constant(t, `${c.base}/filter`);
  }
  if (shape) throw new Error('a depthwise filter computed at run time is not supported');
  return c.g.one('Transpose', [c.input(i)], { perm: attr.ints(perm) }, `${c.base}/filter`);
}

/** The data input in the layout the op computes in, and how to bind its result. */
function spatialInput(c: NodeConverter): { x: string; nchwFormat: boolean; bind: (y: string) => void } {
  const nchwFormat = c.string('data_format', 'NHWC') === 'NCHW';
  const x = nchwFormat ? c.input(0) : c.nchw(0);
  return { x, nchwFormat, bind: (y) => c.output(nchwFormat ? y : { name: y, layout: 'nchw' }) };
}

function convAttrs(c: NodeConverter, nchwFormat: boolean): IrAttrs {
  return {
    strides: attr.ints(spatial(c.ints('strides', [1, 1, 1, 1]), nchwFormat)),
    dilations: attr.ints(spatial(c.ints('dilations', [1, 1, 1, 1]), nchwFormat)),
    ...padding(c, nchwFormat),
  };
}

function conv2dNode(c: NodeConverter): { y: string; bind: (y: string) => void } {
  const { x, nchwFormat, bind } = spatialInput(c);
  const w = filter(c, 1, [3, 2, 0, 1]);
  const attrs = convAttrs(c, nchwFormat);
  // grouped: the input has a multiple of the filter's input channels
  const inChannels = c.g.typeOf(x)?.shape?.[1];
  const filterIn = c.g.typeOf(w)?.shape?.[1];
  if (typeof inChannels === 'number' && typeof filterIn === 'number' && inChannels !== filterIn)
    attrs.group = attr.int(inChannels / filterIn);
  return { y: c.g.one('Conv', [x, w], attrs, `${c.base}/conv`), bind };
}

const conv2d: OpMapping = (c) => {
  const { y, bind } = conv2dNode(c);
  bind(y);
};

function depthwiseNode(c: NodeConverter): { y: string; bind: (y: string) => void } {
  const { x, nchwFormat, bind } = spatialInput(c);
  const w = filter(c, 1, [2, 3, 0, 1], ([ch, m, h, wd]) => [ch! * m!, 1, h!, wd!]);
  const channels = c.g.typeOf(w)!.shape![0] as number;
  const multiplier = c.constant(1)!.shape[3]!;
  const attrs = { ...convAttrs(c, nchwFormat), group: attr.int(channels / multiplier) };
  return { y: c.g.one('Conv', [x, w], attrs, `${c.base}/conv`), bind };
}

const depthwise: OpMapping = (c) => {
  const { y, bind } = depthwiseNode(c);
  bind(y);
};

/** Conv2DBackpropInput: a transposed convolution to the given output size. */
const conv2dBackpropInput: OpMapping = (c) => {
  const nchwFormat = c.string('data_format', 'NHWC') === 'NCHW';
  const sizes = c.constantInts(0, 'output size');
  const x = nchwFormat ? c.input(2) : toNchwOf(c, 2);
  // [H, W, out channels, in channels] -> [in, out, H, W]
  const w = filter(c, 1, [3, 2, 0, 1]);
  const kernel = c.g.typeOf(w)!.shape!.slice(2) as number[];
  const inShape = c.requireShape(x, 4);
  const strides = spatial(c.ints('strides', [1, 1, 1, 1]), nchwFormat);
  const dilations = spatial(c.ints('dilations', [1, 1, 1, 1]), nchwFormat);
  const out = nchwFormat ? [sizes[2]!, sizes[3]!] : [sizes[1]!, sizes[2]!];
  const mode = c.string('padding');
  const pads = [0, 0, 0, 0];
  const outputPadding = [0, 0];
  for (let i = 0; i < 2; i++) {
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const total =
      mode === 'SAME'
        ? Math.max(0, (Math.ceil(out[i]! / strides[i]!) - 1) * strides[i]! + span - out[i]!)
        : 0;
    pads[i] = Math.floor(total / 2);
    pads[i + 2] = total - pads[i]!;
    const natural = strides[i]! * (inShape[2 + i]! - 1) + span - total;
    outputPadding[i] = out[i]! - natural;
  }
  const y = c.g.one(
    'ConvTranspose',
    [x, w],
    {
      strides: attr.ints(strides),
      dilations: attr.ints(dilations),
      pads: attr.ints(pads),
      output_padding: attr.ints(outputPadding),
    },
    c.base,
  );
  c.output(nchwFormat ? y : { name: y, layout: 'nchw' });
};

function toNchwOf(c: NodeConverter, i: number): string {
  return c.nchw(i);
}

function poolAttrs(
  c: NodeConverter,
  nchwFormat: boolean,
  ksize: readonly number[],
  strides: readonly number[],
): IrAttrs {
  return {
    kernel_shape: attr.ints(spatial(ksize, nchwFormat)),
    strides: attr.ints(spatial(strides, nchwFormat)),
    ...padding(c, nchwFormat),
  };
}

function pool(op: 'MaxPool' | 'AveragePool', fromInputs = false): OpMapping {
  return (c) => {
    const { x, nchwFormat, bind } = spatialInput(c);
    const ksize = fromInputs ? c.constantInts(1, 'window size') : c.ints('ksize');
    const strides = fromInputs ? c.constantInts(2, 'strides') : c.ints('strides');
    bind(c.g.one(op, [x], poolAttrs(c, nchwFormat, ksize, strides), c.base));
  };
}

/** Inference batch norm; with is_training the batch's own moments (and they are outputs 1, 2). */
const fusedBatchNorm: OpMapping = (c) => {
  const { x, bind } = spatialInput4d(c);
  const epsilon = c.float('epsilon', 1e-4);
  const [scale, offset] = [c.input(1), c.input(2)];
  if (!c.bool('is_training', true)) {
    const y = c.g.one(
      'BatchNormalization',
      [x, scale, offset, c.input(3), c.input(4)],
      { epsilon: attr.float(epsilon) },
      c.base,
    );
    bind(y);
    for (const k of [1, 2]) c.output(c.input(k + 2), k);
    return;
  }
  const axes = c.g.ints([0, 2, 3], `${c.base}/axes`);
  const mean = c.g.one('ReduceMean', [x, axes], { keepdims: attr.int(1) }, `${c.base}/mean`);
  const centered = c.g.one('Sub', [x, mean], {}, `${c.base}/centered`);
  const sq = c.g.one('Mul', [centered, centered], {}, `${c.base}/sq`);
  const variance = c.g.one('ReduceMean', [sq, axes], { keepdims: attr.int(1) }, `${c.base}/var`);
  const eps = c.g.scalar('float32', epsilon, `${c.base}/eps`);
  const std = c.g.one(
    'Sqrt',
    [c.g.one('Add', [variance, eps], {}, `${c.base}/var_eps`)],
    {},
    `${c.base}/std`,
  );
  const normed = c.g.one('Div', [centered, std], {}, `${c.base}/normed`);
  const scaled = c.g.one(
    'Mul',
    [normed, channelVector(c.g, scale, 4, `${c.base}/scale`)],
    {},
    `${c.base}/scaled`,
  );
  bind(c.g.one('Add', [scaled, channelVector(c.g, offset, 4, `${c.base}/offset`)], {}, c.base));
  c.output(c.g.one('Squeeze', [mean, axes], {}, `${c.base}/batch_mean`), 1);
  c.output(c.g.one('Squeeze', [variance, axes], {}, `${c.base}/batch_var`), 2);
};

/** FusedBatchNorm also takes 2-D inputs (after a dense layer): those stay as they are. */
function spatialInput4d(c: NodeConverter): { x: string; nchwFormat: boolean; bind: (y: string) => void } {
  const ref = c.ref(0);
  if (ref.layout === 'tf' && c.rankOf(ref.name) !== 4)
    return { x: ref.name, nchwFormat: true, bind: (y) => c.output(y) };
  return spatialInput(c);
}

/** A 2-D operand transposed, at compile time when constant. */
function transposed2d(c: NodeConverter, i: number): string {
  const t = c.constant(i);
  if (t) return c.g.constant(transposeData(t, [1, 0]), `${c.base}/t${i}`);
  return c.g.one('Transpose', [c.input(i)], { perm: attr.ints([1, 0]) }, `${c.base}/t${i}`);
}

function matMulNode(c: NodeConverter): string {
  const a = c.bool('transpose_a', false) ? transposed2d(c, 0) : c.input(0);
  const b = c.bool('transpose_b', false) ? transposed2d(c, 1) : c.input(1);
  return c.g.one('MatMul', [a, b], {}, `${c.base}/matmul`);
}

const matMul: OpMapping = (c) => c.output(matMulNode(c));

/** adj_x / adj_y swap the last two axes. */
const batchMatMul: OpMapping = (c) => {
  const operand = (i: number, adjoint: boolean): string => {
    const x = c.input(i);
    if (!adjoint) return x;
    const rank = c.requireRank(x);
    const perm = [...Array.from({ length: rank - 2 }, (_, k) => k), rank - 1, rank - 2];
    const t = c.constant(i);
    if (t) return c.g.constant(transposeData(t, perm), `${c.base}/adj${i}`);
    return c.g.one('Transpose', [x], { perm: attr.ints(perm) }, `${c.base}/adj${i}`);
  };
  c.output(
    c.g.one('MatMul', [operand(0, c.bool('adj_x', false)), operand(1, c.bool('adj_y', false))], {}, c.base),
  );
};

/** Grappler's fused ops: a conv or matmul, then its fused_ops list applied to the extra args. */
function fused(kind: 'conv' | 'depthwise' | 'matmul'): OpMapping {
  return (c) => {
    const ops = c.strings('fused_ops');
    let y: string;
    let layout: 'tf' | 'nchw' = 'tf';
    if (kind === 'matmul') y = matMulNode(c);
    else {
      const r = kind === 'conv' ? conv2dNode(c) : depthwiseNode(c);
      y = r.y;
      layout = c.string('data_format', 'NHWC') === 'NCHW' ? 'tf' : 'nchw';
    }
    // a conv's result is in NCHW order either way: per-channel args broadcast along axis 1
    const channelOf = (i: number): string => channelVector(c.g, c.input(i), 4, `${c.base}/arg${i}`);
    let arg = 2;
    for (const op of ops) {
      const step = `${c.base}/${op}`;
      switch (op) {
        case 'BiasAdd':
          y = c.g.one('Add', [y, kind === 'matmul' ? c.input(arg) : channelOf(arg)], {}, step);
          arg++;
          break;
        case 'Add':
        case 'AddV2':
          y = c.g.one('Add', [y, layout === 'nchw' ? c.nchw(arg) : c.input(arg)], {}, step);
          arg++;
          break;
        case 'FusedBatchNorm': {
          const [scale, offset, mean, variance] = [0, 1, 2, 3].map((k) => c.input(arg + k));
          y = c.g.one(
            'BatchNormalization',
            [y, scale!, offset!, mean!, variance!],
            { epsilon: attr.float(c.float('epsilon', 1e-4)) },
            step,
          );
          arg += 4;
          break;
        }
        case 'Relu':
        case 'Elu':
        case 'Sigmoid':
        case 'Tanh':
          y = c.g.one(op, [y], {}, step);
          break;
        case 'Relu6':
          y = c.g.one(
            'Clip',
            [y, c.g.scalar('float32', 0, `${step}/lo`), c.g.scalar('float32', 6, `${step}/hi`)],
            {},
            step,
          );
          break;
        case 'Prelu':
          y = c.g.one('PRelu', [y, kind === 'matmul' ? c.input(arg) : channelOf(arg)], {}, step);
          arg++;
          break;
        case 'LeakyRelu':
          y = c.g.one('LeakyRelu', [y], { alpha: attr.float(c.float('leakyrelu_alpha', 0.2)) }, step);
          break;
        case 'Swish':
        case 'SiLU':
          y = c.g.one('Mul', [y, c.g.one('Sigmoid', [y], {}, `${step}/sigmoid`)], {}, step);
          break;
        default:
          throw new Error(`fused op '${op}' is not supported`);
      }
    }
    c.output({ name: y, layout });
  };
}

/**
 * Quantized constants back to floats at compile time, as TensorFlow's kernel computes them:
 * MIN_COMBINED min + (q - lowest) * (max - min) / (highest - lowest); MIN_FIRST the same with the
 * minimum rounded to a multiple of the step; SCALED q * max(min / lowest, max / highest).
 */
const dequantize: OpMapping = (c) => {
  const q = c.requireConstant(0, 'quantized values');
  const min = Number(c.requireConstant(1, 'min_range').data[0]);
  const max = Number(c.requireConstant(2, 'max_range').data[0]);
  const mode = c.string('mode', 'MIN_COMBINED');
  const type = c.node.attr.T?.type ?? 12;
  const [lowest, highest] = (
    {
      11: [-128, 127],
      12: [0, 255],
      13: [-(2 ** 31), 2 ** 31 - 1],
      15: [-32768, 32767],
      16: [0, 65535],
    } as Record<number, [number, number]>
  )[type] ?? [0, 255];
  const out = new Float32Array(q.data.length);
  const values = q.data as ArrayLike<number>;
  if (mode === 'SCALED') {
    const narrow = c.bool('narrow_range', false);
    const lo = narrow && lowest < 0 ? lowest + 1 : lowest;
    const scale = lowest < 0 ? Math.max(min / lo, max / highest) : max / highest;
    for (let i = 0; i < out.length; i++) out[i] = values[i]! * scale;
  } else {
    const step = (max - min) / (highest - lowest);
    const base = mode === 'MIN_FIRST' ? Math.round(min / step) * step : min;
    for (let i = 0; i < out.length; i++) out[i] = base + (values[i]! - lowest) * step;
  }
  c.output(c.g.constant({ dtype: 'float32', shape: q.shape, data: out }, c.base));
};

export const NN_OPS: MappingTable = {
  Conv2D: conv2d,
  DepthwiseConv2dNative: depthwise,
  Conv2DBackpropInput: conv2dBackpropInput,
  MaxPool: pool('MaxPool'),
  MaxPoolV2: pool('MaxPool', true),
  AvgPool: pool('AveragePool'),
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormV2: fusedBatchNorm,
  FusedBatchNormV3: fusedBatchNorm,
  MatMul: matMul,
  BatchMatMul: batchMatMul,
  BatchMatMulV2: batchMatMul,
  BatchMatMulV3: batchMatMul,
  _FusedConv2D: fused('conv'),
  _FusedDepthwiseConv2dNative: fused('depthwise'),
  FusedDepthwiseConv2dNative: fused('depthwise'),
  _FusedMatMul: fused('matmul'),
  Dequantize: dequantize,
};
