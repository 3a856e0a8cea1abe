/**
 * Op mappings one graph at a time, against TensorFlow.js: each case is a small TF.js graph model
 * (written to a temporary folder) that TensorFlow.js runs as the oracle and neuron-cc compiles and
 * runs. Layout-sensitive cases put the op after an NHWC convolution, so they exercise the NCHW
 * path (layout.ts) as well as the plain one.
 */
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromNumbers, type Tensor } from '../../../src/ir/tensor.js';
import { compareWithTfjs } from '../../helpers/tfjs-reference.js';

type JsonAttr = Record<string, unknown>;
interface JsonNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, JsonAttr>;
}

const F = { type: 'DT_FLOAT' };
const I32 = { type: 'DT_INT32' };
const ints = (...i: number[]): JsonAttr => ({ list: { i: i.map(String) } });
const str = (s: string): JsonAttr => ({ s: Buffer.from(s).toString('base64') });
const int = (i: number): JsonAttr => ({ i: String(i) });
const bool = (b: boolean): JsonAttr => ({ b });
const float = (f: number): JsonAttr => ({ f });

interface Case {
  readonly name: string;
  /** Placeholders: name -> shape (float32 unless int32 is given). */
  readonly inputs: Record<string, number[] | [number[], 'int32']>;
  /** Constants: name -> [shape, values] (float32) or [shape, values, 'int32']. */
  readonly consts?: Record<string, [number[], number[]] | [number[], number[], 'int32']>;
  readonly nodes: JsonNode[];
  readonly outputs: string[];
}

let seed = 11;
function random(n: number, int32: boolean): number[] {
  return Array.from({ length: n }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return int32 ? (seed % 7) - 3 : seed / 2147483648 - 0.5;
  });
}

/** Attributes TensorFlow always writes (TF.js reads them without defaults). */
const SPATIAL = new Set([
  'Conv2D',
  'DepthwiseConv2dNative',
  'Conv2DBackpropInput',
  'MaxPool',
  'AvgPool',
  'DepthToSpace',
]);

const op = (name: string, type: string, input: string[], attr: Record<string, JsonAttr> = {}): JsonNode => ({
  name,
  op: type,
  input,
  attr: {
    T: F,
    ...(SPATIAL.has(type) ? { data_format: str('NHWC'), dilations: ints(1, 1, 1, 1) } : {}),
    ...attr,
  },
});

/** An NHWC 1x1 conv (identity-ish weights) so that what follows sees an NCHW-held tensor. */
function convFirst(x: string, channels: number): { nodes: JsonNode[]; consts: Case['consts'] } {
  const w = Array.from({ length: channels * channels }, (_, i) => (i % (channels + 1) === 0 ? 1 : 0.1));
  return {
    nodes: [op('conv', 'Conv2D', [x, 'w1x1'], { strides: ints(1, 1, 1, 1), padding: str('VALID') })],
    consts: { w1x1: [[1, 1, channels, channels], w] },
  };
}

const CASES: Case[] = [
  {
    name: 'Conv2DBackpropInput SAME, stride 2',
    inputs: { x: [1, 4, 4, 4] },
    consts: { sizes: [[4], [1, 8, 8, 3], 'int32'], f: [[3, 3, 3, 4], random(108, false)] },
    nodes: [
      op('out', 'Conv2DBackpropInput', ['sizes', 'f', 'x'], {
        strides: ints(1, 2, 2, 1),
        padding: str('SAME'),
      }),
    ],
    outputs: ['out'],
  },
  {
    name: 'Conv2DBackpropInput VALID to an odd size',
    inputs: { x: [1, 4, 4, 4] },
    consts: { sizes: [[4], [1, 9, 9, 3], 'int32'], f: [[3, 3, 3, 4], random(108, false)] },
    nodes: [
      op('out', 'Conv2DBackpropInput', ['sizes', 'f', 'x'], {
        strides: ints(1, 2, 2, 1),
        padding: str('VALID'),
      }),
    ],
    outputs: ['out'],
  },
  {
    name: 'Conv2D dilated VALID, depthwise with multiplier 2 SAME stride 2',
    inputs: { x: [1, 9, 9, 3] },
    consts: { f: [[3, 3, 3, 4], random(108, false)], d: [[3, 3, 4, 2], random(72, false)] },
    nodes: [
      op('c', 'Conv2D', ['x', 'f'], {
        strides: ints(1, 1, 1, 1),
        dilations: ints(1, 2, 2, 1),
        padding: str('VALID'),
      }),
      op('out', 'DepthwiseConv2dNative', ['c', 'd'], { strides: ints(1, 2, 2, 1), padding: str('SAME') }),
    ],
    outputs: ['out'],
  },
  {
    name: 'MirrorPad REFLECT and SYMMETRIC, after a conv',
    inputs: { x: [1, 4, 5, 2] },
    consts: { p: [[4, 2], [0, 0, 1, 2, 2, 1, 0, 0], 'int32'], ...convFirst('x', 2).consts },
    nodes: [
      ...convFirst('x', 2).nodes,
      op('reflect', 'MirrorPad', ['conv', 'p'], { mode: str('REFLECT'), Tpaddings: I32 }),
      op('symmetric', 'MirrorPad', ['x', 'p'], { mode: str('SYMMETRIC'), Tpaddings: I32 }),
    ],
    outputs: ['reflect', 'symmetric'],
  },
  {
    name: 'DepthToSpace and pools with SAME padding',
    inputs: { x: [1, 5, 6, 8] },
    nodes: [
      op('d2s', 'DepthToSpace', ['x'], { block_size: int(2) }),
      op('avg', 'AvgPool', ['x'], {
        ksize: ints(1, 3, 3, 1),
        strides: ints(1, 2, 2, 1),
        padding: str('SAME'),
      }),
      op('max', 'MaxPool', ['x'], {
        ksize: ints(1, 2, 3, 1),
        strides: ints(1, 2, 2, 1),
        padding: str('SAME'),
      }),
    ],
    outputs: ['d2s', 'avg', 'max'],
  },
  {
    name: 'resizes: nearest and bilinear, each coordinate convention',
    inputs: { x: [1, 3, 5, 2] },
    consts: { size: [[2], [7, 4], 'int32'] },
    nodes: [
      op('nn', 'ResizeNearestNeighbor', ['x', 'size'], {
        align_corners: bool(false),
        half_pixel_centers: bool(false),
      }),
      op('nn_half', 'ResizeNearestNeighbor', ['x', 'size'], {
        align_corners: bool(false),
        half_pixel_centers: bool(true),
      }),
      op('nn_align', 'ResizeNearestNeighbor', ['x', 'size'], {
        align_corners: bool(true),
        half_pixel_centers: bool(false),
      }),
      op('bl', 'ResizeBilinear', ['x', 'size'], {
        align_corners: bool(false),
        half_pixel_centers: bool(false),
      }),
      op('bl_half', 'ResizeBilinear', ['x', 'size'], {
        align_corners: bool(false),
        half_pixel_centers: bool(true),
      }),
      op('bl_align', 'ResizeBilinear', ['x', 'size'], {
        align_corners: bool(true),
        half_pixel_centers: bool(false),
      }),
    ],
    outputs: ['nn', 'nn_half', 'nn_align', 'bl', 'bl_half', 'bl_align'],
  },
  {
    name: 'StridedSlice: masks, ellipsis, new axis, negative strides',
    inputs: { x: [2, 3, 4, 5] },
    consts: {
      b1: [[3], [0, 1, -1], 'int32'],
      e1: [[3], [0, 3, 0], 'int32'],
      s1: [[3], [1, 1, -2], 'int32'],
      b2: [[3], [1, 0, 2], 'int32'],
      e2: [[3], [2, 0, 4], 'int32'],
      s2: [[3], [1, 1, 1], 'int32'],
    },
    nodes: [
      op('a', 'StridedSlice', ['x', 'b1', 'e1', 's1'], { begin_mask: int(1), end_mask: int(5), Index: I32 }),
      op('b', 'StridedSlice', ['x', 'b2', 'e2', 's2'], {
        ellipsis_mask: int(2),
        shrink_axis_mask: int(1),
        Index: I32,
      }),
      op('c', 'StridedSlice', ['x', 'b2', 'e2', 's2'], {
        new_axis_mask: int(2),
        end_mask: int(4),
        Index: I32,
      }),
    ],
    outputs: ['a', 'b', 'c'],
  },
  {
    name: 'SplitV with a -1 size, Pack, Unpack, Tile, ConcatV2 of NCHW and plain tensors',
    inputs: { x: [1, 3, 4, 6] },
    consts: {
      sizes: [[3], [1, -1, 2], 'int32'],
      axis: [[], [-1], 'int32'],
      reps: [[4], [1, 2, 1, 2], 'int32'],
      cat: [[], [3], 'int32'],
      ...convFirst('x', 6).consts,
    },
    nodes: [
      op('split', 'SplitV', ['x', 'sizes', 'axis'], { num_split: int(3), Tlen: I32 }),
      op('pack', 'Pack', ['unpack:0', 'unpack:1'], { axis: int(-1), N: int(2) }),
      op('unpack', 'Unpack', ['x'], { num: int(3), axis: int(1) }),
      op('tile', 'Tile', ['x', 'reps'], { Tmultiples: I32 }),
      ...convFirst('x', 6).nodes,
      op('concat', 'ConcatV2', ['conv', 'x', 'cat'], { N: int(2), Tidx: I32 }),
    ],
    outputs: ['split:1', 'pack', 'unpack:2', 'tile', 'concat'],
  },
  {
    // (TF.js 4.22 gets batch broadcasting wrong, so both operands have the full batch here)
    name: 'BatchMatMulV2 with adjoints, Einsum',
    inputs: { x: [2, 3, 4, 3], y: [2, 3, 5, 4] },
    nodes: [
      op('bmm', 'BatchMatMulV2', ['x', 'y'], { adj_x: bool(true), adj_y: bool(true) }),
      op('ein', 'Einsum', ['x', 'x'], { equation: str('bcij,bcik->bcjk'), N: int(2) }),
    ],
    outputs: ['bmm', 'ein'],
  },
  {
    name: 'activations and elementwise ops',
    inputs: { x: [2, 3, 4], y: [4] },
    consts: { alpha: [[], [0.3]] },
    nodes: [
      op('selu', 'Selu', ['x']),
      op('elu', 'Elu', ['x']),
      op('leaky', 'LeakyRelu', ['x'], { alpha: float(0.3) }),
      op('softplus', 'Softplus', ['x']),
      op('sqdiff', 'SquaredDifference', ['x', 'y']),
      op('floormod', 'FloorMod', ['x', 'alpha']),
      op('floordiv', 'FloorDiv', ['x', 'alpha']),
      op('logsm', 'LogSoftmax', ['x']),
      op('maximum', 'Maximum', ['x', 'y']),
      op('pow', 'Pow', ['y', 'y']),
      op('sel', 'SelectV2', ['greater', 'x', 'y']),
      { name: 'greater', op: 'Greater', input: ['x', 'y'], attr: { T: F } },
    ],
    outputs: [
      'selu',
      'elu',
      'leaky',
      'softplus',
      'sqdiff',
      'floormod',
      'floordiv',
      'logsm',
      'maximum',
      'sel',
    ],
  },
  {
    name: 'reductions over NCHW-held tensors (channel and spatial axes), ArgMin, Prod',
    inputs: { x: [1, 3, 4, 5] },
    consts: {
      c: [[1], [3], 'int32'],
      h: [[1], [1], 'int32'],
      hw: [[2], [1, 2], 'int32'],
      ...convFirst('x', 5).consts,
    },
    nodes: [
      ...convFirst('x', 5).nodes,
      op('mean_c', 'Mean', ['conv', 'c'], { keep_dims: bool(false), Tidx: I32 }),
      op('mean_h', 'Mean', ['conv', 'h'], { keep_dims: bool(false), Tidx: I32 }),
      op('max_hw', 'Max', ['conv', 'hw'], { keep_dims: bool(true), Tidx: I32 }),
      op('sum_hw', 'Sum', ['conv', 'hw'], { keep_dims: bool(false), Tidx: I32 }),
      op('prod', 'Prod', ['x', 'h'], { keep_dims: bool(true), Tidx: I32 }),
      op('argmin', 'ArgMin', ['x', 'c'], { Tidx: I32, output_type: I32 }),
    ],
    outputs: ['mean_c', 'mean_h', 'max_hw', 'sum_hw', 'prod', 'argmin'],
  },
  {
    name: 'Shape of an NCHW-held tensor, Fill, Range, Cast, GatherV2, Transpose after a conv',
    inputs: { x: [1, 3, 4, 2] },
    consts: {
      lim: [[], [6]],
      start: [[], [1]],
      delta: [[], [0.5]],
      idx: [[3], [2, 0, 1], 'int32'],
      gaxis: [[], [1], 'int32'],
      perm: [[4], [0, 3, 1, 2], 'int32'],
      seven: [[], [7]],
      ...convFirst('x', 2).consts,
    },
    nodes: [
      ...convFirst('x', 2).nodes,
      { name: 'shape', op: 'Shape', input: ['conv'], attr: { T: F, out_type: I32 } },
      { name: 'fill', op: 'Fill', input: ['shape', 'seven'], attr: { T: F, index_type: I32 } },
      { name: 'range', op: 'Range', input: ['start', 'lim', 'delta'], attr: { Tidx: F } },
      { name: 'cast', op: 'Cast', input: ['x'], attr: { SrcT: F, DstT: I32 } },
      op('gather', 'GatherV2', ['conv', 'idx', 'gaxis'], {
        Tparams: F,
        Tindices: I32,
        Taxis: I32,
        batch_dims: int(0),
      }),
      op('transpose', 'Transpose', ['conv', 'perm'], { Tperm: I32 }),
    ],
    outputs: ['shape', 'fill', 'range', 'cast', 'gather', 'transpose'],
  },
  {
    name: 'SpaceToBatchND / BatchToSpaceND around a conv (a dilated conv as TF writes it)',
    inputs: { x: [1, 6, 6, 2] },
    consts: {
      block: [[2], [2, 2], 'int32'],
      pads: [[2, 2], [2, 2, 2, 2], 'int32'],
      crops: [[2, 2], [0, 0, 0, 0], 'int32'],
      f: [[3, 3, 2, 3], random(54, false)],
    },
    nodes: [
      op('s2b', 'SpaceToBatchND', ['x', 'block', 'pads'], { Tblock_shape: I32, Tpaddings: I32 }),
      op('conv', 'Conv2D', ['s2b', 'f'], { strides: ints(1, 1, 1, 1), padding: str('VALID') }),
      op('out', 'BatchToSpaceND', ['conv', 'block', 'crops'], { Tblock_shape: I32, Tcrops: I32 }),
    ],
    outputs: ['out'],
  },
  {
    name: 'TopKV2 values and indices',
    inputs: { x: [3, 10] },
    consts: { k: [[], [4], 'int32'] },
    nodes: [op('top', 'TopKV2', ['x', 'k'], { sorted: bool(true) })],
    outputs: ['top', 'top:1'],
  },
];

function writeCase(dir: string, c: Case): { file: string; feeds: Map<string, Tensor>; io: string } {
  const weights: { name: string; shape: number[]; dtype: string }[] = [];
  const bytes: Buffer[] = [];
  const constNodes: JsonNode[] = [];
  for (const [name, [shape, values, dtype]] of Object.entries(c.consts ?? {})) {
    const int32 = dtype === 'int32';
    weights.push({ name, shape, dtype: int32 ? 'int32' : 'float32' });
    bytes.push(Buffer.from((int32 ? Int32Array.from(values) : Float32Array.from(values)).buffer));
    constNodes.push({
      name,
      op: 'Const',
      attr: { dtype: int32 ? I32 : F, value: { tensor: { dtype: int32 ? 'DT_INT32' : 'DT_FLOAT' } } },
    });
  }
  const feeds = new Map<string, Tensor>();
  const inputs: Record<string, [number[], string]> = {};
  const placeholders: JsonNode[] = Object.entries(c.inputs).map(([name, spec]) => {
    const [shape, dtype] =
      typeof spec[0] === 'number' ? [spec as number[], 'float32'] : (spec as [number[], 'int32']);
    const n = shape.reduce((a, b) => a * b, 1);
    feeds.set(name, fromNumbers(dtype as 'float32', shape, random(n, dtype === 'int32')));
    inputs[name] = [shape, dtype];
    return {
      name,
      op: 'Placeholder',
      attr: {
        dtype: dtype === 'int32' ? I32 : F,
        shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } },
      },
    };
  });
  const model = {
    format: 'graph-model',
    modelTopology: { node: [...placeholders, ...constNodes, ...c.nodes], versions: { producer: 1 } },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  const file = join(dir, 'model.json');
  writeFileSync(file, JSON.stringify(model));
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(bytes));
  return { file, feeds, io: JSON.stringify({ inputs, outputs: c.outputs }) };
}

for (const c of CASES)
  test(`TF op mapping vs TensorFlow.js: ${c.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-tfop-'));
    try {
      const { file, feeds, io } = writeCase(dir, c);
      await compareWithTfjs(file, feeds, io);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
