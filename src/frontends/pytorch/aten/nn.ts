/**
 * Network layers: convolutions (torch's weight layouts are the IR's), linear and matrix products,
 * normalizations, softmax, pooling (adaptive pooling as plain pooling when the output divides
 * the input, cell by cell otherwise), upsampling, embedding lookups and einsum.
 */
import { attr } from '../../graph-builder.js';
import { fromNumbers } from '../../../ir/tensor.js';
import { tensor, type Value } from '../values.js';
import { LowerError, op, type AtenCall, type AtenTable } from './call.js';

const out = (name: string): Value => tensor(name);

export interface ConvSpec {
  readonly stride: readonly number[];
  readonly padding: readonly number[] | 'same' | 'valid';
  readonly dilation: readonly number[];
  readonly groups: number;
}

/** Conv of x with weight [Cout, Cin/groups, k...] and optional bias; torch pads both ends alike. */
export function conv(c: AtenCall, x: string, w: string, b: string | undefined, s: ConvSpec): string {
  const spatial = c.rankOf(w) - 2;
  const kernel = c.shapeOf(w).slice(2);
  const attrs = {
    strides: attr.ints(s.stride),
    dilations: attr.ints(s.dilation),
    group: attr.int(s.groups),
    kernel_shape: attr.ints(kernel),
    ...(s.padding === 'same'
      ? { auto_pad: attr.string('SAME_UPPER') }
      : s.padding === 'valid'
        ? {}
        : { pads: attr.ints([...s.padding, ...s.padding]) }),
  };
  if (spatial < 1) throw new LowerError('a convolution weight needs spatial dimensions');
  return c.one('Conv', b ? [x, w, b] : [x, w], attrs);
}

function convPadding(c: AtenCall, rank: number): number[] | 'same' | 'valid' {
  const p = c.value('padding');
  if (p.kind === 'str') {
    if (p.value !== 'same' && p.value !== 'valid') throw new LowerError(`padding "${p.value}"`);
    return p.value;
  }
  return c.ints('padding', rank);
}

function convN(dims: number): (c: AtenCall) => Value {
  return (c) => {
    const x = c.tensor('input');
    const w = c.tensor('weight');
    const stride = c.ints('stride', dims);
    // torch's unbatched input (C, L...) takes a batch of one
    const unbatched = c.rankOf(x) === dims + 1;
    const xin = unbatched ? c.one('Unsqueeze', [x, c.ints64([0])]) : x;
    const y = conv(c, xin, w, c.optTensor('bias'), {
      stride,
      padding: convPadding(c, dims),
      dilation: c.ints('dilation', dims),
      groups: c.int('groups'),
    });
    return out(unbatched ? c.one('Squeeze', [y, c.ints64([0])]) : y);
  };
}

function convTranspose(
  c: AtenCall,
  spec: { stride: number[]; padding: number[]; outputPadding: number[]; dilation: number[]; groups: number },
): Value {
  const x = c.tensor('input');
  const w = c.tensor('weight');
  const b = c.optTensor('bias');
  return out(
    c.one('ConvTranspose', b ? [x, w, b] : [x, w], {
      strides: attr.ints(spec.stride),
      pads: attr.ints([...spec.padding, ...spec.padding]),
      output_padding: attr.ints(spec.outputPadding),
      dilations: attr.ints(spec.dilation),
      group: attr.int(spec.groups),
      kernel_shape: attr.ints(c.shapeOf(w).slice(2)),
    }),
  );
}

/** x @ w^T + b, as Gemm for matrices and MatMul with a transposed weight otherwise. */
export function linear(c: AtenCall, x: string, w: string, b: string | undefined): string {
  if (c.rankOf(x) === 2 && c.rankOf(w) === 2)
    return c.one('Gemm', b ? [x, w, b] : [x, w], { transB: attr.int(1) });
  const wt = c.one('Transpose', [w], { perm: attr.ints([1, 0]) });
  const y = c.one('MatMul', [x, wt]);
  return b ? c.one('Add', [y, b]) : y;
}

function ones(c: AtenCall, n: number, dtype: 'float32', value: number): string {
  return c.g.constant(
    fromNumbers(dtype, [n], new Array<number>(n).fill(value)),
    `${c.base}/${value ? 'one' : 'zero'}`,
  );
}

function batchNorm(c: AtenCall): Value {
  if (c.bool('training')) throw new LowerError('batch_norm in training mode', true);
  const x = c.tensor('input');
  const channels = c.shapeOf(x)[1]!;
  const dt = c.dtypeOf(x);
  const param = (name: string, fill: number): string =>
    c.cast(c.optTensor(name) ?? ones(c, channels, 'float32', fill), dt);
  return out(
    c.one(
      'BatchNormalization',
      [x, param('weight', 1), param('bias', 0), param('running_mean', 0), param('running_var', 1)],
      { epsilon: attr.float(c.number('eps')) },
    ),
  );
}

function layerNorm(c: AtenCall): Value {
  const x = c.tensor('input');
  const normalized = c.ints('normalized_shape');
  const size = normalized.reduce((a, b) => a * b, 1);
  const dt = c.dtypeOf(x);
  const w = c.optTensor('weight') ?? ones(c, size, 'float32', 1);
  const scale = c.cast(
    c.rankOf(w) === normalized.length ? w : c.one('Reshape', [w, c.ints64(normalized)]),
    dt,
  );
  const b = c.optTensor('bias');
  return out(
    c.one('LayerNormalization', b ? [x, scale, c.cast(b, dt)] : [x, scale], {
      axis: attr.int(-normalized.length),
      epsilon: attr.float(c.number('eps')),
    }),
  );
}

function groupNorm(c: AtenCall): Value {
  const x = c.tensor('input');
  const channels = c.shapeOf(x)[1]!;
  const dt = c.dtypeOf(x);
  const w = c.cast(c.optTensor('weight') ?? ones(c, channels, 'float32', 1), dt);
  const b = c.cast(c.optTensor('bias') ?? ones(c, channels, 'float32', 0), dt);
  return out(
    c.one('GroupNormalization', [x, w, b], {
      num_groups: attr.int(c.int('num_groups')),
      epsilon: attr.float(c.number('eps')),
    }),
  );
}

function softmax(onnx: 'Softmax' | 'LogSoftmax'): (c: AtenCall) => Value {
  return (c) => {
    let x = c.tensor('self');
    const dtype = c.dtype('dtype');
    if (dtype) x = c.cast(x, dtype);
    else if (!c.dtypeOf(x).startsWith('float') && c.dtypeOf(x) !== 'bfloat16') x = c.cast(x, 'float32');
    return out(c.one(onnx, [x], { axis: attr.int(c.int('dim')) }));
  };
}

function pool(kind: 'MaxPool' | 'AveragePool', dims: number): (c: AtenCall) => Value {
  return (c) => {
    const x = c.tensor('self');
    const kernel = c.ints('kernel_size', dims);
    const strideArg = c.ints('stride', dims);
    const stride = strideArg.length === 0 ? kernel : strideArg;
    const padding = c.ints('padding', dims);
    const divisor = kind === 'AveragePool' ? c.optInt('divisor_override') : undefined;
    const ceil = c.bool('ceil_mode');
    const attrs = {
      kernel_shape: attr.ints(kernel),
      strides: attr.ints(stride),
      pads: attr.ints([...padding, ...padding]),
      ceil_mode: attr.int(ceil ? 1 : 0),
      ...(kind === 'MaxPool'
        ? { dilations: attr.ints(c.ints('dilation', dims)) }
        : { count_include_pad: attr.int(divisor !== undefined || c.bool('count_include_pad') ? 1 : 0) }),
    };
    if (divisor === undefined) return out(c.one(kind, [x], attrs));
    // window sum / divisor; with ceil_mode a window may overhang the padding, and its sum is unknown
    if (ceil) throw new LowerError('avg_pool divisor_override with ceil_mode', true);
    const area = kernel.reduce((a, b) => a * b, 1);
    const k = c.operand({ kind: 'float', value: area / divisor }, c.dtypeOf(x));
    return out(c.one('Mul', [c.one(kind, [x], attrs), k]));
  };
}

function adaptivePool(kind: 'Average' | 'Max', dims: number): (c: AtenCall) => Value {
  return (c) => {
    const x = c.tensor('self');
    const shape = c.shapeOf(x);
    const spatial = shape.slice(-dims);
    const wanted = c.ints('output_size', dims).map((o, i) => (o === -1 || o === undefined ? spatial[i]! : o));
    if (wanted.every((o) => o === 1)) return out(c.one(`Global${kind}Pool`, [x]));
    if (wanted.every((o, i) => spatial[i]! % o === 0)) {
      const kernel = spatial.map((s, i) => s / wanted[i]!);
      return out(c.one(`${kind}Pool`, [x], { kernel_shape: attr.ints(kernel), strides: attr.ints(kernel) }));
    }
    // cell i of n over s spans [floor(i s / n), ceil((i + 1) s / n)); the windows are boxes, so
    // pooling one spatial axis at a time gives the same mean or max
    const reduce = kind === 'Average' ? 'ReduceMean' : 'ReduceMax';
    let y = x;
    spatial.forEach((size, i) => {
      const n = wanted[i]!;
      if (n === size) return;
      const axis = shape.length - dims + i;
      const cells = Array.from({ length: n }, (_, j) => {
        const lo = Math.floor((j * size) / n);
        const hi = Math.ceil(((j + 1) * size) / n);
        const part = c.one('Slice', [y, c.ints64([lo]), c.ints64([hi]), c.ints64([axis])]);
        return c.one(reduce, [part, c.ints64([axis])], { keepdims: attr.int(1) });
      });
      y = c.one('Concat', cells, { axis: attr.int(axis) });
    });
    return out(y);
  };
}

function factorsOf(c: AtenCall): number[] {
  const scales = c.value('scale_factors');
  return scales.kind === 'list' || scales.kind === 'tuple'
    ? scales.items.map((s) => Number((s as { value: number }).value))
    : [c.number('scale_factors')];
}

/** torch's output size for a scale factor: floor(size * factor). */
function scaled(sizes: readonly number[], factors: readonly number[]): number[] {
  return sizes.map((d, i) => Math.floor(d * (factors[i] ?? factors[0]!)));
}

/**
 * upsample_nearest/bilinear: target sizes given, or scale factors. Torch maps output coordinates
 * back with the scale factor itself when one is given (not with out/in, which differs for 1.5 on
 * 5 pixels), so factors go to Resize as scales.
 */
function upsample(mode: 'nearest' | 'linear', dims: number): (c: AtenCall) => Value {
  return (c) => {
    const x = c.tensor('input');
    const shape = c.shapeOf(x);
    const alignCorners = mode === 'linear' && c.bool('align_corners');
    let resizeInputs: string[];
    if (!c.isNone('output_size') || alignCorners) {
      // align_corners maps corners to corners whatever the scale factor was
      const sizes = c.isNone('output_size')
        ? scaled(shape.slice(-dims), factorsOf(c))
        : c.ints('output_size', dims);
      resizeInputs = ['', '', c.ints64([...shape.slice(0, -dims), ...sizes])];
    } else {
      const factors = factorsOf(c);
      const all = [
        ...shape.slice(0, -dims).map(() => 1),
        ...shape.slice(-dims).map((_, i) => factors[i] ?? factors[0]!),
      ];
      resizeInputs = ['', c.g.constant(fromNumbers('float32', [all.length], all), `${c.base}/scales`)];
    }
    const attrs = {
      mode: attr.string(mode),
      coordinate_transformation_mode: attr.string(
        mode === 'nearest' ? 'asymmetric' : alignCorners ? 'align_corners' : 'pytorch_half_pixel',
      ),
      ...(mode === 'nearest' ? { nearest_mode: attr.string('floor') } : {}),
    };
    return out(c.one('Resize', [x, ...resizeInputs], attrs));
  };
}

export const NN_OPS: AtenTable = {
  'aten::_convolution': op(
    '_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, benchmark=False, deterministic=False, cudnn_enabled=True, allow_tf32=True)',
    (c) => {
      const dims = c.rankOf(c.tensor('weight')) - 2;
      if (c.bool('transposed'))
        return convTranspose(c, {
          stride: c.ints('stride', dims),
          padding: c.ints('padding', dims),
          outputPadding: c.ints('output_padding', dims),
          dilation: c.ints('dilation', dims),
          groups: c.int('groups'),
        });
      return convN(dims)(c);
    },
  ),
  // conv with padding "same" or "valid", as traced code records it
  'aten::_convolution_mode': op(
    '_convolution_mode(input, weight, bias, stride, padding, dilation, groups)',
    (c) => convN(c.rankOf(c.tensor('weight')) - 2)(c),
  ),
  'aten::conv1d': op('conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)', convN(1)),
  'aten::conv2d': op('conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)', convN(2)),
  'aten::conv3d': op('conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)', convN(3)),
  'aten::conv_transpose1d': op(
    'conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)',
    (c) => convTranspose(c, transposeSpec(c, 1)),
  ),
  'aten::conv_transpose2d': op(
    'conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)',
    (c) => convTranspose(c, transposeSpec(c, 2)),
  ),
  'aten::linear': op('linear(input, weight, bias=None)', (c) =>
    out(linear(c, c.tensor('input'), c.tensor('weight'), c.optTensor('bias'))),
  ),
  'aten::addmm': op('addmm(self, mat1, mat2, beta=1, alpha=1)', (c) =>
    out(
      c.one('Gemm', [c.tensor('mat1'), c.tensor('mat2'), c.tensor('self')], {
        alpha: attr.float(c.number('alpha')),
        beta: attr.float(c.number('beta')),
      }),
    ),
  ),
  'aten::matmul': op('matmul(self, other)', (c) =>
    out(c.one('MatMul', [c.tensor('self'), c.tensor('other')])),
  ),
  'aten::mm': op('mm(self, mat2)', (c) => out(c.one('MatMul', [c.tensor('self'), c.tensor('mat2')]))),
  'aten::bmm': op('bmm(self, mat2)', (c) => out(c.one('MatMul', [c.tensor('self'), c.tensor('mat2')]))),
  'aten::einsum': op('einsum(equation, tensors, path=None)', (c) =>
    out(
      c.one('Einsum', c.tensors('tensors'), { equation: attr.string(c.str('equation').replace(/\s/g, '')) }),
    ),
  ),
  'aten::batch_norm': op(
    'batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True)',
    batchNorm,
  ),
  'aten::layer_norm': op(
    'layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True)',
    layerNorm,
  ),
  'aten::group_norm': op(
    'group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True)',
    groupNorm,
  ),
  'aten::softmax': op('softmax(self, dim, dtype=None)', softmax('Softmax')),
  'aten::log_softmax': op('log_softmax(self, dim, dtype=None)', softmax('LogSoftmax')),
  'aten::max_pool1d': op(
    'max_pool1d(self, kernel_size, stride=[], padding=0, dilation=1, ceil_mode=False)',
    pool('MaxPool', 1),
  ),
  'aten::max_pool2d': op(
    'max_pool2d(self, kernel_size, stride=[], padding=0, dilation=1, ceil_mode=False)',
    pool('MaxPool', 2),
  ),
  'aten::avg_pool1d': op(
    'avg_pool1d(self, kernel_size, stride=[], padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)',
    pool('AveragePool', 1),
  ),
  'aten::avg_pool2d': op(
    'avg_pool2d(self, kernel_size, stride=[], padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)',
    pool('AveragePool', 2),
  ),
  'aten::adaptive_avg_pool1d': op('adaptive_avg_pool1d(self, output_size)', adaptivePool('Average', 1)),
  'aten::adaptive_avg_pool2d': op('adaptive_avg_pool2d(self, output_size)', adaptivePool('Average', 2)),
  'aten::adaptive_max_pool2d': op('adaptive_max_pool2d(self, output_size)', (c) => {
    const y = adaptivePool('Max', 2)(c);
    // torch returns (values, indices); traced code keeps the values
    return { kind: 'tuple', items: [y, { kind: 'unknown' }] };
  }),
  'aten::upsample_nearest1d': op(
    'upsample_nearest1d(input, output_size, scale_factors=None)',
    upsample('nearest', 1),
  ),
  'aten::upsample_nearest2d': op(
    'upsample_nearest2d(input, output_size, scale_factors=None, scales_w=None)',
    upsample('nearest', 2),
  ),
  'aten::upsample_bilinear2d': op(
    'upsample_bilinear2d(input, output_size, align_corners, scale_factors=None, scales_w=None)',
    upsample('linear', 2),
  ),
  'aten::embedding': op(
    'embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False)',
    (c) => out(c.one('Gather', [c.tensor('weight'), c.tensor('indices')], { axis: attr.int(0) })),
  ),
};

function transposeSpec(c: AtenCall, dims: number) {
  return {
    stride: c.ints('stride', dims),
    padding: c.ints('padding', dims),
    outputPadding: c.ints('output_padding', dims),
    dilation: c.ints('dilation', dims),
    groups: c.int('groups'),
  };
}
