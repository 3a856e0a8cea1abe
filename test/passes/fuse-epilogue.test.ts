import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttrValue, Graph, Node } from '../../src/ir/graph.js';
import { getNumber, tensor, type Tensor } from '../../src/ir/tensor.js';
import { verifyGraph } from '../../src/ir/verify.js';
import '../../src/ops/all.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { fuseEpilogue } from '../../src/passes/fuse-epilogue.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { rand } from '../helpers/op-harness.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

/**
 * Epilogue fusion: which chains after a Conv/Gemm/MatMul become one fused node (and what it
 * computes: the interpreter gives the same outputs before and after), and which must stay apart.
 */
const f32 = (shape: readonly number[], values: readonly number[]): Tensor =>
  tensor('float32', shape, Float32Array.from(values));
const scalar = (v: number): Tensor => f32([], [v]);
const ints = (v: readonly number[]): AttrValue => ({ kind: 'ints', value: v });
const int = (v: number): AttrValue => ({ kind: 'int', value: v });

interface Spec {
  readonly inputs: [string, number[]][];
  readonly outputs: string[];
  readonly constants: [string, Tensor][];
  readonly nodes: Node[];
}

function build(s: Spec): Graph {
  return inferShapes(
    graph({
      inputs: s.inputs.map(([n, shape]) => value(n, 'float32', shape)),
      outputs: s.outputs.map((n) => value(n, 'float32', undefined)),
      initializers: s.constants,
      nodes: s.nodes,
    }),
    { fold: false },
  );
}

/** Fuses, checks the graph is well formed and computes what it computed before; returns its ops. */
function fuse(g: Graph): { ops: string[]; fused: Graph } {
  const fused = fuseEpilogue(g, { optLevel: 2 });
  verifyGraph(fused);
  const feeds = new Map(g.inputs.map((v, i) => [v.name, rand(v.type.shape as number[], i + 11)]));
  const want = runGraph(g, feeds);
  const got = runGraph(fused, feeds);
  for (const [name, t] of want) {
    const u = got.get(name)!;
    for (let i = 0; i < t.data.length; i++) {
      const [a, e] = [getNumber(u, i), getNumber(t, i)];
      assert.ok(Math.abs(a - e) <= 1e-5 + 1e-4 * Math.abs(e), `${name}[${i}] ${a} != ${e}`);
    }
  }
  return { ops: fused.nodes.map((n) => (n.domain ? `${n.op}(${attr(n, 'activation')})` : n.op)), fused };
}

function attr(n: Node, name: string): string {
  const a = n.attrs[name];
  return a?.kind === 'string' ? a.value : 'none';
}

const C = 6;
const convConsts = (): [string, Tensor][] => [
  ['w', rand([C, 3, 3, 3], 1)],
  ['b', rand([C], 2)],
  ['gamma', rand([C], 3)],
  ['beta', rand([C], 4)],
  ['mean', rand([C], 5)],
  ['var', f32([C], [0.5, 1, 1.5, 2, 2.5, 3])],
  ['chan', rand([1, C, 1, 1], 6)],
  ['six', scalar(6)],
  ['zero', scalar(0)],
];
const conv = (out = 'c'): Node => node('Conv', ['x', 'w', 'b'], [out], { pads: ints([1, 1, 1, 1]) });
const X: [string, number[]] = ['x', [1, 3, 5, 7]];

test('Conv + BatchNormalization + Relu folds the norm into the weights and fuses the relu', () => {
  const g = build({
    inputs: [X],
    outputs: ['y'],
    constants: convConsts(),
    nodes: [
      conv(),
      node('BatchNormalization', ['c', 'gamma', 'beta', 'mean', 'var'], ['n']),
      node('Relu', ['n'], ['y']),
    ],
  });
  const { ops, fused } = fuse(g);
  assert.deepEqual(ops, ['FusedConv(relu)']);
  assert.ok(
    !fused.initializers.has('w') && !fused.initializers.has('gamma'),
    'replaced constants are dropped',
  );
});

test('Conv + per-channel Mul/Div/Add/Sub fold; Conv + BN alone stays a plain Conv', () => {
  const g = build({
    inputs: [X],
    outputs: ['y', 'z'],
    constants: convConsts(),
    nodes: [
      conv(),
      node('Mul', ['chan', 'c'], ['m']),
      node('Div', ['m', 'six'], ['d']),
      node('Add', ['d', 'chan'], ['a']),
      node('Sub', ['a', 'chan'], ['s']),
      node('Clip', ['s', 'zero', 'six'], ['y']),
      conv('c2'),
      node('BatchNormalization', ['c2', 'gamma', 'beta', 'mean', 'var'], ['z']),
    ],
  });
  assert.deepEqual(fuse(g).ops, ['FusedConv(clip)', 'Conv']);
});

test('Conv + residual Add + Relu, and the residual may be read elsewhere too', () => {
  const g = build({
    inputs: [X, ['r', [1, C, 5, 7]]],
    outputs: ['y', 'r2'],
    constants: convConsts(),
    nodes: [conv(), node('Add', ['r', 'c'], ['s']), node('Relu', ['s'], ['y']), node('Neg', ['r'], ['r2'])],
  });
  const { ops, fused } = fuse(g);
  assert.deepEqual(ops, ['FusedConv(relu)', 'Neg']);
  assert.deepEqual(fused.nodes[0]!.inputs, ['x', 'w', 'b', 'r']);
});

test('SiLU, HardSwish, LeakyRelu, HardSigmoid, Tanh, Sigmoid and Gelu end a chain', () => {
  const cases: [Node[], string][] = [
    [[node('Sigmoid', ['c'], ['s']), node('Mul', ['s', 'c'], ['y'])], 'silu'],
    [[node('HardSwish', ['c'], ['y'])], 'hardswish'],
    [[node('LeakyRelu', ['c'], ['y'], { alpha: { kind: 'float', value: 0.2 } })], 'leakyrelu'],
    [[node('HardSigmoid', ['c'], ['y'])], 'hardsigmoid'],
    [[node('Tanh', ['c'], ['y'])], 'tanh'],
    [[node('Sigmoid', ['c'], ['y'])], 'sigmoid'],
    [[node('Gelu', ['c'], ['y'], { approximate: { kind: 'string', value: 'tanh' } })], 'gelu_tanh'],
  ];
  for (const [tail, name] of cases) {
    const g = build({ inputs: [X], outputs: ['y'], constants: convConsts(), nodes: [conv(), ...tail] });
    assert.deepEqual(fuse(g).ops, [`FusedConv(${name})`], name);
  }
});

/** MatMul + bias + the exported erf GELU in each association. */
function bert(gelu: 'xp_half' | 'xhalf_p' | 'x_phalf', mulConst = false): Graph {
  const scale = mulConst ? node('Mul', ['h', 'isqrt2'], ['d']) : node('Div', ['h', 'sqrt2'], ['d']);
  const tail: Node[] = {
    xp_half: [node('Mul', ['h', 'p'], ['m']), node('Mul', ['m', 'half'], ['y'])],
    xhalf_p: [node('Mul', ['half', 'h'], ['m']), node('Mul', ['m', 'p'], ['y'])],
    x_phalf: [node('Mul', ['p', 'half'], ['m']), node('Mul', ['h', 'm'], ['y'])],
  }[gelu];
  return build({
    inputs: [['a', [2, 5, 8]]],
    outputs: ['y'],
    constants: [
      ['wm', rand([8, 12], 1)],
      ['bias', rand([12], 2)],
      ['sqrt2', scalar(Math.SQRT2)],
      ['isqrt2', scalar(Math.SQRT1_2)],
      ['one', scalar(1)],
      ['half', scalar(0.5)],
    ],
    nodes: [
      node('MatMul', ['a', 'wm'], ['mm']),
      node('Add', ['bias', 'mm'], ['h']),
      scale,
      node('Erf', ['d'], ['e']),
      node('Add', ['e', 'one'], ['p']),
      ...tail,
    ],
  });
}

test('MatMul + bias + erf GELU (every association, x/sqrt2 or x*(1/sqrt2)) fuses', () => {
  for (const form of ['xp_half', 'xhalf_p', 'x_phalf'] as const) {
    assert.deepEqual(fuse(bert(form)).ops, ['FusedMatMul(gelu)'], form);
  }
  assert.deepEqual(fuse(bert('xp_half', true)).ops, ['FusedMatMul(gelu)']);
});

test('MatMul with runtime B: the bias fuses, a per-channel scale does not', () => {
  const g = build({
    inputs: [
      ['a', [4, 8]],
      ['bm', [8, 12]],
    ],
    outputs: ['y'],
    constants: [
      ['bias', rand([12], 2)],
      ['s', rand([12], 3)],
    ],
    nodes: [
      node('MatMul', ['a', 'bm'], ['mm']),
      node('Add', ['mm', 'bias'], ['h']),
      node('Mul', ['h', 's'], ['y']),
    ],
  });
  assert.deepEqual(fuse(g).ops, ['FusedMatMul(none)', 'Mul']);
});

test('Gemm (transB) + per-channel scale + residual + Relu folds into B and C', () => {
  const g = build({
    inputs: [
      ['a', [3, 8]],
      ['r', [3, 5]],
    ],
    outputs: ['y'],
    constants: [
      ['wg', rand([5, 8], 1)],
      ['cg', rand([3, 5], 2)],
      ['s', rand([5], 3)],
    ],
    nodes: [
      node('Gemm', ['a', 'wg', 'cg'], ['g'], { transB: int(1), beta: { kind: 'float', value: 0.5 } }),
      node('Mul', ['g', 's'], ['m']),
      node('Add', ['m', 'r'], ['s2']),
      node('Relu', ['s2'], ['y']),
    ],
  });
  assert.deepEqual(fuse(g).ops, ['FusedGemm(relu)']);
});

test('nothing fuses across a second reader, a graph output or a bound known only at run time', () => {
  const consts = convConsts();
  const twoReaders = build({
    inputs: [X],
    outputs: ['y', 'z'],
    constants: consts,
    nodes: [conv(), node('Relu', ['c'], ['y']), node('Neg', ['c'], ['z'])],
  });
  assert.deepEqual(fuse(twoReaders).ops, ['Conv', 'Relu', 'Neg']);
  const output = build({
    inputs: [X],
    outputs: ['c', 'y'],
    constants: consts,
    nodes: [conv(), node('Relu', ['c'], ['y'])],
  });
  assert.deepEqual(fuse(output).ops, ['Conv', 'Relu']);
  const midOutput = build({
    inputs: [X, ['r', [1, C, 5, 7]]],
    outputs: ['s', 'y'],
    constants: consts,
    nodes: [conv(), node('Add', ['c', 'r'], ['s']), node('Relu', ['s'], ['y'])],
  });
  assert.deepEqual(
    fuse(midOutput).ops,
    ['FusedConv(none)', 'Relu'],
    'the chain stops before an output it would hide',
  );
  const runtimeBound = build({
    inputs: [X, ['hi', []]],
    outputs: ['y'],
    constants: consts,
    nodes: [conv(), node('Clip', ['c', 'zero', 'hi'], ['y'])],
  });
  assert.deepEqual(fuse(runtimeBound).ops, ['Conv', 'Clip']);
  const silu2 = build({
    inputs: [X],
    outputs: ['y', 'z'],
    constants: consts,
    nodes: [conv(), node('Sigmoid', ['c'], ['s']), node('Mul', ['c', 's'], ['y']), node('Neg', ['s'], ['z'])],
  });
  assert.deepEqual(fuse(silu2).ops, ['Conv', 'Sigmoid', 'Mul', 'Neg'], 'the sigmoid is read elsewhere');
});

test('a constant that is not per-channel, a BN in training mode and a float64 conv stay apart', () => {
  const consts: [string, Tensor][] = [...convConsts(), ['row', rand([1, 1, 1, 7], 9)]];
  const notChannel = build({
    inputs: [X],
    outputs: ['y'],
    constants: consts,
    nodes: [conv(), node('Mul', ['c', 'row'], ['y'])],
  });
  assert.deepEqual(fuse(notChannel).ops, ['Conv', 'Mul']);
  const training = build({
    inputs: [X],
    outputs: ['y'],
    constants: consts,
    nodes: [
      conv(),
      node('BatchNormalization', ['c', 'gamma', 'beta', 'mean', 'var'], ['y'], { training_mode: int(1) }),
    ],
  });
  assert.deepEqual(
    fuseEpilogue(training, { optLevel: 2 }).nodes.map((n) => n.op),
    ['Conv', 'BatchNormalization'],
  );
  const g64 = inferShapes(
    graph({
      inputs: [value('x', 'float64', [1, 3, 5, 7])],
      outputs: [value('y', 'float64', undefined)],
      initializers: [['w', rand([C, 3, 3, 3], 1, 'float64')]],
      nodes: [node('Conv', ['x', 'w'], ['c']), node('Relu', ['c'], ['y'])],
    }),
    { fold: false },
  );
  assert.equal(fuseEpilogue(g64, { optLevel: 2 }), g64);
});

test('two convs meeting in one Add: the first takes the Add, the second feeds it as the residual', () => {
  const g = build({
    inputs: [X],
    outputs: ['y'],
    constants: convConsts(),
    nodes: [conv('c1'), conv('c2'), node('Add', ['c1', 'c2'], ['s']), node('Relu', ['s'], ['y'])],
  });
  const { ops, fused } = fuse(g);
  assert.deepEqual(ops, ['Conv', 'FusedConv(relu)']);
  assert.deepEqual(fused.nodes[1]!.inputs, ['x', 'w', 'b', 'c2']);
});
