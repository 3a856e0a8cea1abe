/**
 * Elementwise ops. They keep their operands' layout: an NCHW operand stays NCHW, and the other is
 * broadcast in NCHW order (layout.ts), so activations, biases and residual adds between
 * convolutions need no transposes.
 */
import type { DType } from '../../../ir/dtype.js';
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import { attr, type IrAttrs } from '../../graph-builder.js';
import { broadcastInNchw, channelVector, type Layout, type Ref } from '../layout.js';
import type { NodeConverter } from '../node-converter.js';
import type { MappingTable, OpMapping } from './types.js';

/** The operands of a binary op in one layout. */
function operands(c: NodeConverter, i = 0, j = 1): { a: string; b: string; layout: Layout } {
  const [ra, rb] = [c.ref(i), c.ref(j)];
  if (ra.layout === rb.layout) return { a: ra.name, b: rb.name, layout: ra.layout };
  const [n, t] = ra.layout === 'nchw' ? [ra, rb] : [rb, ra];
  const aligned = broadcastInNchw(c.g, t.name, `${c.base}/in${ra.layout === 'nchw' ? j : i}`);
  if (aligned === undefined) return { a: c.input(i), b: c.input(j), layout: 'tf' };
  return ra.layout === 'nchw'
    ? { a: n.name, b: aligned, layout: 'nchw' }
    : { a: aligned, b: n.name, layout: 'nchw' };
}

function binary(op: string, attrs: IrAttrs = {}): OpMapping {
  return (c) => {
    const { a, b, layout } = operands(c);
    c.output({ name: c.g.one(op, [a, b], attrs, c.base), layout });
  };
}

/** A binary op followed by a unary one (FloorDiv on floats = Floor(Div)). */
function binaryThen(op: string, then: string): OpMapping {
  return (c) => {
    const { a, b, layout } = operands(c);
    const x = c.g.one(op, [a, b], {}, `${c.base}/${op}`);
    c.output({ name: c.g.one(then, [x], {}, c.base), layout });
  };
}

function unary(op: string, attrs: IrAttrs = {}): OpMapping {
  return (c) => {
    const x = c.ref(0);
    c.output({ name: c.g.one(op, [x.name], attrs, c.base), layout: x.layout });
  };
}

/** A unary op written with constants: f(x, k...) such as Clip(x, 0, 6). */
function withScalars(op: string, values: readonly number[]): OpMapping {
  return (c) => {
    const x = c.ref(0);
    const dtype: DType = c.dtype('T', 'float32');
    const ks = values.map((v, i) => c.g.scalar(dtype, v, `${c.base}/k${i}`));
    c.output({ name: c.g.one(op, [x.name, ...ks], {}, c.base), layout: x.layout });
  };
}

const relu6 = withScalars('Clip', [0, 6]);

const square: OpMapping = (c) => {
  const x = c.ref(0);
  c.output({ name: c.g.one('Mul', [x.name, x.name], {}, c.base), layout: x.layout });
};

const rsqrt: OpMapping = (c) => {
  const x = c.ref(0);
  const s = c.g.one('Sqrt', [x.name], {}, `${c.base}/sqrt`);
  c.output({ name: c.g.one('Reciprocal', [s], {}, c.base), layout: x.layout });
};

const squaredDifference: OpMapping = (c) => {
  const { a, b, layout } = operands(c);
  const d = c.g.one('Sub', [a, b], {}, `${c.base}/diff`);
  c.output({ name: c.g.one('Mul', [d, d], {}, c.base), layout });
};

/** Floor division: Floor(a / b) for floats; for integers a - Mod(a, b) is divisible by b exactly. */
const floorDiv: OpMapping = (c) => {
  const dtype = c.dtype('T', 'float32');
  if (dtype.startsWith('float') || dtype === 'bfloat16') return binaryThen('Div', 'Floor')(c);
  const { a, b, layout } = operands(c);
  const mod = c.g.one('Mod', [a, b], { fmod: attr.int(0) }, `${c.base}/mod`);
  const exact = c.g.one('Sub', [a, mod], {}, `${c.base}/exact`);
  c.output({ name: c.g.one('Div', [exact, b], {}, c.base), layout });
};

/** TensorFlow's FloorMod takes the divisor's sign (Python's %): ONNX Mod with fmod 0 for ints. */
const floorMod: OpMapping = (c) => {
  const dtype = c.dtype('T', 'float32');
  if (!dtype.startsWith('float') && dtype !== 'bfloat16') return binary('Mod', { fmod: attr.int(0) })(c);
  // floats: a - floor(a / b) * b
  const { a, b, layout } = operands(c);
  const q = c.g.one('Floor', [c.g.one('Div', [a, b], {}, `${c.base}/div`)], {}, `${c.base}/floor`);
  const qb = c.g.one('Mul', [q, b], {}, `${c.base}/qb`);
  c.output({ name: c.g.one('Sub', [a, qb], {}, c.base), layout });
};

const notEqual: OpMapping = (c) => {
  const { a, b, layout } = operands(c);
  const eq = c.g.one('Equal', [a, b], {}, `${c.base}/eq`);
  c.output({ name: c.g.one('Not', [eq], {}, c.base), layout });
};

const addN: OpMapping = (c) => {
  const refs = Array.from({ length: c.inputCount }, (_, i) => c.ref(i));
  const same = refs.every((r) => r.layout === refs[0]!.layout);
  const names = same ? refs.map((r) => r.name) : refs.map((_, i) => c.input(i));
  const layout = same ? refs[0]!.layout : 'tf';
  c.output({ name: names.length === 1 ? names[0]! : c.g.one('Sum', names, {}, c.base), layout });
};

/** Bias along the channel axis: the last for NHWC (axis 1 once in NCHW), axis 1 for NCHW. */
const biasAdd: OpMapping = (c) => {
  const x = c.ref(0);
  const nchwFormat = c.string('data_format', 'NHWC') === 'NCHW';
  if (!nchwFormat && x.layout === 'tf') return c.output(c.g.one('Add', [x.name, c.input(1)], {}, c.base));
  const rank = x.layout === 'nchw' ? 4 : c.requireRank(x.name);
  const bias = channelVector(c.g, c.input(1), rank, c.base);
  c.output({ name: c.g.one('Add', [x.name, bias], {}, c.base), layout: x.layout });
};

const cast: OpMapping = (c) => {
  const x = c.ref(0);
  const to = codeOfDType(c.dtype('DstT'));
  c.output({ name: c.g.one('Cast', [x.name], { to: attr.int(to) }, c.base), layout: x.layout });
};

/** On the last axis, as TensorFlow computes it. */
function lastAxis(op: string): OpMapping {
  return (c) => c.output(c.g.one(op, [c.input(0)], { axis: attr.int(-1) }, c.base));
}

/** Select: TF1's form takes a vector condition that picks whole rows. */
const select: OpMapping = (c) => {
  let cond = c.input(0);
  const x = c.input(1);
  const condRank = c.rankOf(cond);
  const xRank = c.rankOf(x);
  if (condRank === 1 && xRank !== undefined && xRank > 1) {
    const axes = Array.from({ length: xRank - 1 }, (_, i) => i + 1);
    cond = c.g.one('Unsqueeze', [cond, c.g.ints(axes, `${c.base}/axes`)], {}, `${c.base}/rows`);
  }
  c.output(c.g.one('Where', [cond, x, c.input(2)], {}, c.base));
};

const selectV2: OpMapping = (c) =>
  c.output(c.g.one('Where', [c.input(0), c.input(1), c.input(2)], {}, c.base));

const leakyRelu: OpMapping = (c) => unary('LeakyRelu', { alpha: attr.float(c.float('alpha', 0.2)) })(c);

const clipByValue: OpMapping = (c) => {
  const x = c.ref(0);
  c.output({ name: c.g.one('Clip', [x.name, c.input(1), c.input(2)], {}, c.base), layout: x.layout });
};

/** x * sigmoid(x) etc. written as the ops the IR knows. */
const UNARY: Readonly<Record<string, string>> = {
  Relu: 'Relu',
  Elu: 'Elu',
  Selu: 'Selu',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Softplus: 'Softplus',
  Softsign: 'Softsign',
  Sqrt: 'Sqrt',
  Exp: 'Exp',
  Log: 'Log',
  Neg: 'Neg',
  Abs: 'Abs',
  Floor: 'Floor',
  Ceil: 'Ceil',
  Round: 'Round',
  Sign: 'Sign',
  Reciprocal: 'Reciprocal',
  Inv: 'Reciprocal',
  Erf: 'Erf',
  Sin: 'Sin',
  Cos: 'Cos',
  Tan: 'Tan',
  Asin: 'Asin',
  Acos: 'Acos',
  Atan: 'Atan',
  Sinh: 'Sinh',
  Cosh: 'Cosh',
  Asinh: 'Asinh',
  Acosh: 'Acosh',
  Atanh: 'Atanh',
  IsNan: 'IsNaN',
  LogicalNot: 'Not',
};

const BINARY: Readonly<Record<string, string>> = {
  Add: 'Add',
  AddV2: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  RealDiv: 'Div',
  Div: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
  Pow: 'Pow',
  Equal: 'Equal',
  Greater: 'Greater',
  GreaterEqual: 'GreaterOrEqual',
  Less: 'Less',
  LessEqual: 'LessOrEqual',
  LogicalAnd: 'And',
  LogicalOr: 'Or',
};

/** TF.js's fused Prelu(x, alpha): alpha broadcasts like the other operand of a binary op. */
const prelu: OpMapping = (c) => {
  const { a, b, layout } = operands(c);
  c.output({ name: c.g.one('PRelu', [a, b], {}, c.base), layout });
};

export const ELEMENTWISE_OPS: MappingTable = {
  ...Object.fromEntries(Object.entries(UNARY).map(([tf, onnx]) => [tf, unary(onnx)])),
  ...Object.fromEntries(Object.entries(BINARY).map(([tf, onnx]) => [tf, binary(onnx)])),
  Relu6: relu6,
  Square: square,
  Rsqrt: rsqrt,
  SquaredDifference: squaredDifference,
  FloorDiv: floorDiv,
  FloorMod: floorMod,
  NotEqual: notEqual,
  AddN: addN,
  BiasAdd: biasAdd,
  BiasAddV1: biasAdd,
  Cast: cast,
  Softmax: lastAxis('Softmax'),
  LogSoftmax: lastAxis('LogSoftmax'),
  Select: select,
  SelectV2: selectV2,
  LeakyRelu: leakyRelu,
  Prelu: prelu,
  ClipByValue: clipByValue,
};

export type { Ref };
