/**
 * Op mappings on small hand-built GraphDefs, run by the IR interpreter, against values worked out
 * by hand from TensorFlow's op definitions: StridedSlice masks, NHWC layout tracking (transposes,
 * reductions, pads and concats over NCHW-held tensors), Dequantize modes, Conv2D padding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertTfGraph } from '../../../src/frontends/tensorflow/convert-graph.js';
import type { TfNode } from '../../../src/frontends/tensorflow/node-converter.js';
import type { AttrValue } from '../../../src/frontends/tensorflow/tf-proto.js';
import { runGraph } from '../../../src/interpreter/run-graph.js';
import { inferShapes } from '../../../src/passes/infer-shapes.js';
import { fromNumbers, toNumbers, type Tensor } from '../../../src/ir/tensor.js';
import '../../../src/ops/all.js';

const DT = { float: 1, int32: 3, quint8: 12, qint8: 11 } as const;

/** Attr values in the decoded-protobuf shape the converter reads. */
const a = {
  i: (i: number): AttrValue => ({ value: 'i', i }),
  f: (f: number): AttrValue => ({ value: 'f', f }),
  b: (b: boolean): AttrValue => ({ value: 'b', b }),
  s: (s: string): AttrValue => ({ value: 's', s: new TextEncoder().encode(s) }),
  type: (type: number): AttrValue => ({ value: 'type', type }),
  ints: (i: number[]): AttrValue => ({
    value: 'list',
    list: { s: [], i, f: [], b: [], type: [], shape: [], tensor: [], func: [] },
  }),
  shape: (dims: number[]): AttrValue => ({
    value: 'shape',
    shape: { dim: dims.map((size) => ({ size, name: '' })), unknown_rank: false },
  }),
};

function constNode(name: string, dtype: number, shape: number[], values: number[]): TfNode {
  const tensor = {
    dtype,
    tensor_shape: { dim: shape.map((size) => ({ size, name: '' })), unknown_rank: false },
    tensor_content: new Uint8Array(0),
    half_val: [],
    float_val: dtype === DT.float ? values : [],
    double_val: [],
    int_val: dtype === DT.float ? [] : values,
    string_val: [],
    scomplex_val: [],
    int64_val: [],
    bool_val: [],
    dcomplex_val: [],
    uint32_val: [],
    uint64_val: [],
  };
  return {
    name,
    op: 'Const',
    inputs: [],
    attr: { dtype: a.type(dtype), value: { value: 'tensor', tensor } },
  };
}

function placeholder(name: string, shape: number[]): TfNode {
  return { name, op: 'Placeholder', inputs: [], attr: { dtype: a.type(DT.float), shape: a.shape(shape) } };
}

function node(name: string, op: string, inputs: string[], attr: Record<string, AttrValue> = {}): TfNode {
  return { name, op, inputs, attr: { T: a.type(DT.float), ...attr } };
}

function iota(shape: number[]): Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  return fromNumbers(
    'float32',
    shape,
    Array.from({ length: n }, (_, i) => i),
  );
}

function run(nodes: TfNode[], outputs: string[], feeds: Record<string, Tensor>) {
  const graph = inferShapes(convertTfGraph(nodes, { file: 't.pb', outputs }), { fold: true });
  const out = runGraph(graph, new Map(Object.entries(feeds)));
  return { graph, out: (name: string) => out.get(name)! };
}

test('StridedSlice: begin/end masks, negative strides, shrink, new axis and ellipsis', () => {
  // x[1:, ::-1] ; x[..., 1] ; x[tf.newaxis, 0] on a [3, 4] iota
  const x = iota([3, 4]);
  const nodes = [
    placeholder('x', [3, 4]),
    constNode('b1', DT.int32, [2], [1, 0]),
    constNode('e1', DT.int32, [2], [0, 0]),
    constNode('s1', DT.int32, [2], [1, -1]),
    // begin_mask bit 1 (axis 1 from its end, stride -1), end_mask bits 0 and 1
    node('rows', 'StridedSlice', ['x', 'b1', 'e1', 's1'], { begin_mask: a.i(2), end_mask: a.i(3) }),
    constNode('b2', DT.int32, [2], [0, 1]),
    constNode('e2', DT.int32, [2], [0, 2]),
    constNode('s2', DT.int32, [2], [1, 1]),
    node('col', 'StridedSlice', ['x', 'b2', 'e2', 's2'], { ellipsis_mask: a.i(1), shrink_axis_mask: a.i(2) }),
    constNode('b3', DT.int32, [2], [0, 0]),
    constNode('e3', DT.int32, [2], [0, 1]),
    constNode('s3', DT.int32, [2], [1, 1]),
    node('first', 'StridedSlice', ['x', 'b3', 'e3', 's3'], {
      new_axis_mask: a.i(1),
      shrink_axis_mask: a.i(2),
    }),
  ];
  const { out } = run(nodes, ['rows', 'col', 'first'], { x });
  assert.deepEqual(out('rows').shape, [2, 4]);
  assert.deepEqual(toNumbers(out('rows')), [7, 6, 5, 4, 11, 10, 9, 8]);
  assert.deepEqual(out('col').shape, [3]);
  assert.deepEqual(toNumbers(out('col')), [1, 5, 9]);
  assert.deepEqual(out('first').shape, [1, 4]);
  assert.deepEqual(toNumbers(out('first')), [0, 1, 2, 3]);
});

test('NHWC conv chain: one transpose in, elementwise/pad/concat/reduce in NCHW, TF values out', () => {
  // x [1, 3, 3, 2]; conv 1x1 (identity filter) -> relu -> pad H by 1 -> concat with itself on C -> mean over H, W
  const x = iota([1, 3, 3, 2]);
  const nodes = [
    placeholder('x', [1, 3, 3, 2]),
    constNode('w', DT.float, [1, 1, 2, 2], [1, 0, 0, 1]),
    node('conv', 'Conv2D', ['x', 'w'], { strides: a.ints([1, 1, 1, 1]), padding: a.s('VALID') }),
    constNode('bias', DT.float, [2], [10, 20]),
    node('biased', 'BiasAdd', ['conv', 'bias']),
    node('relu', 'Relu', ['biased']),
    constNode('pads', DT.int32, [4, 2], [0, 0, 1, 0, 0, 0, 0, 0]),
    node('padded', 'Pad', ['relu', 'pads']),
    constNode('axis', DT.int32, [], [3]),
    node('cat', 'ConcatV2', ['padded', 'padded', 'axis'], { N: a.i(2) }),
    constNode('hw', DT.int32, [2], [1, 2]),
    node('mean', 'Mean', ['cat', 'hw'], { keep_dims: a.b(false) }),
    constNode('perm', DT.int32, [4], [0, 3, 1, 2]),
    node('t', 'Transpose', ['cat', 'perm']),
  ];
  const { graph, out } = run(nodes, ['mean', 'cat', 't'], { x });
  const transposes = graph.nodes.filter((n) => n.op === 'Transpose').length;
  // in, back to NHWC for the `cat` output; `t` is the NCHW value itself (perm composed to identity)
  assert.equal(transposes, 3, graph.nodes.map((n) => n.op).join(' '));
  // expected in NHWC: biased = x + [10, 20]; padded adds a zero row on top (H)
  const xs = toNumbers(x);
  const biased = xs.map((v, i) => v + (i % 2 === 0 ? 10 : 20));
  const padded = [0, 0, 0, 0, 0, 0, ...biased]; // [1, 4, 3, 2]
  const cat: number[] = [];
  for (let p = 0; p < 12; p++)
    cat.push(padded[2 * p]!, padded[2 * p + 1]!, padded[2 * p]!, padded[2 * p + 1]!);
  assert.deepEqual(out('cat').shape, [1, 4, 3, 4]);
  assert.deepEqual(toNumbers(out('cat')), cat);
  const mean = [0, 1, 2, 3].map((ch) => cat.filter((_, i) => i % 4 === ch).reduce((s, v) => s + v, 0) / 12);
  assert.deepEqual(out('mean').shape, [1, 4]);
  toNumbers(out('mean')).forEach((v, i) => assert.ok(Math.abs(v - mean[i]!) < 1e-4, `${v} vs ${mean[i]}`));
  assert.deepEqual(out('t').shape, [1, 4, 4, 3]);
  const tValues: number[] = [];
  for (let ch = 0; ch < 4; ch++)
    for (let h = 0; h < 4; h++) for (let w = 0; w < 3; w++) tValues.push(cat[(h * 3 + w) * 4 + ch]!);
  assert.deepEqual(toNumbers(out('t')), tValues);
});

test('Conv2D SAME pads the extra row at the end, as TensorFlow', () => {
  // 1x4 input, kernel 1x2 of ones, stride 2, SAME: out = ceil(4/2) = 2, total pad 0 -> [0+1, 2+3]
  // 1x3 input: out 2, total pad 1 at the end -> [0+1, 2+pad]
  const nodes = [
    placeholder('x', [1, 1, 3, 1]),
    constNode('w', DT.float, [1, 2, 1, 1], [1, 1]),
    node('y', 'Conv2D', ['x', 'w'], { strides: a.ints([1, 1, 2, 1]), padding: a.s('SAME') }),
  ];
  const { out } = run(nodes, ['y'], { x: fromNumbers('float32', [1, 1, 3, 1], [1, 2, 4]) });
  assert.deepEqual(out('y').shape, [1, 1, 2, 1]);
  assert.deepEqual(toNumbers(out('y')), [3, 4]);
});

test('Dequantize: MIN_COMBINED, MIN_FIRST and SCALED as TensorFlow defines them', () => {
  const q = (name: string, dtype: number, values: number[]): TfNode => ({
    ...constNode(name, dtype, [values.length], values),
  });
  const nodes = [
    q('u8', DT.quint8, [0, 128, 255]),
    constNode('lo', DT.float, [], [-1]),
    constNode('hi', DT.float, [], [1]),
    {
      name: 'combined',
      op: 'Dequantize',
      inputs: ['u8', 'lo', 'hi'],
      attr: { T: a.type(DT.quint8), mode: a.s('MIN_COMBINED') },
    },
    {
      name: 'first',
      op: 'Dequantize',
      inputs: ['u8', 'lo', 'hi'],
      attr: { T: a.type(DT.quint8), mode: a.s('MIN_FIRST') },
    },
    q('i8', DT.qint8, [-128, 0, 127]),
    {
      name: 'scaled',
      op: 'Dequantize',
      inputs: ['i8', 'lo', 'hi'],
      attr: { T: a.type(DT.qint8), mode: a.s('SCALED') },
    },
  ];
  const { out } = run(nodes, ['combined', 'first', 'scaled'], {});
  const close = (got: number[], want: number[]): void =>
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `${got} vs ${want}`));
  const step = 2 / 255;
  close(toNumbers(out('combined')), [-1, -1 + 128 * step, 1]);
  const base = Math.round(-1 / step) * step;
  close(toNumbers(out('first')), [base, base + 128 * step, base + 255 * step]);
  // scale = max(-1 / -128, 1 / 127)
  const s = Math.max(1 / 128, 1 / 127);
  close(toNumbers(out('scaled')), [-128 * s, 0, 127 * s]);
});
