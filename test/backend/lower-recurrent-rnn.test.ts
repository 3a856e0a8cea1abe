import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs, Node } from '../../src/ir/graph.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import { rand } from '../helpers/op-harness.js';
import { feedsOf, graphOf, type GraphInput } from '../helpers/lowering-harness.js';
import { checkGraph, type Tolerance } from './lower-linalg-support.js';

/**
 * RNN, GRU and LSTM lowerings against the reference, interpreted and rendered to wasm: directions,
 * layouts, biases, sequence lengths (runtime and constant), initial states, peepholes, clip,
 * activations with alpha/beta, input_forget, linear_before_reset, omitted outputs, every float dtype.
 */
const int = (value: number): AttrValue => ({ kind: 'int', value });
const float = (value: number): AttrValue => ({ kind: 'float', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });
const strs = (value: string[]): AttrValue => ({ kind: 'strings', value });
const floats = (value: number[]): AttrValue => ({ kind: 'floats', value });

type Op = 'RNN' | 'GRU' | 'LSTM';
const GATES: Record<Op, number> = { RNN: 1, GRU: 3, LSTM: 4 };

interface Case {
  readonly op: Op;
  readonly S?: number;
  readonly B?: number;
  readonly I?: number;
  readonly H?: number;
  readonly direction?: 'forward' | 'reverse' | 'bidirectional';
  readonly layout?: number;
  readonly dtype?: DType;
  readonly bias?: boolean;
  /** Lengths per batch row; `constant` makes sequence_lens an initializer. */
  readonly lens?: readonly number[];
  readonly lensConstant?: boolean;
  readonly lensDtype?: 'int32' | 'int64';
  readonly initH?: boolean;
  readonly initC?: boolean;
  readonly peep?: boolean;
  /** W, R, B (and P) as initializers. */
  readonly constWeights?: boolean;
  readonly attrs?: Attrs;
  /** Output names, '' for an omitted one. */
  readonly outputs?: readonly string[];
  readonly scale?: number;
}

const TOL: Partial<Record<DType, Tolerance>> = {
  float32: { atol: 2e-5, rtol: 1e-4 },
  float64: { atol: 1e-12, rtol: 1e-10 },
  float16: { atol: 2e-3, rtol: 4e-3 },
  bfloat16: { atol: 2e-2, rtol: 2e-2 },
};

function run(c: Case): void {
  const { op, S = 4, B = 3, I = 5, H = 6, layout = 0, dtype = 'float32', scale = 1 } = c;
  const D = c.direction === 'bidirectional' ? 2 : 1;
  const G = GATES[op];
  const k = c.constWeights ?? false;
  const r = (shape: number[], seed: number): Tensor => scaled(rand(shape, seed, 'float64'), scale, dtype);
  const state = layout === 0 ? [D, B, H] : [B, D, H];
  const inputs: (GraphInput | undefined)[] = [
    { name: 'X', value: r(layout === 0 ? [S, B, I] : [B, S, I], 1) },
    { name: 'W', value: r([D, G * H, I], 2), constant: k },
    { name: 'R', value: r([D, G * H, H], 3), constant: k },
    c.bias ? { name: 'B', value: r([D, 2 * G * H], 4), constant: k } : undefined,
    c.lens
      ? {
          name: 'sequence_lens',
          value: fromNumbers(c.lensDtype ?? 'int32', [B], c.lens),
          constant: c.lensConstant ?? false,
        }
      : undefined,
    c.initH ? { name: 'initial_h', value: r(state, 5) } : undefined,
    c.initC ? { name: 'initial_c', value: r(state, 6) } : undefined,
    c.peep ? { name: 'P', value: r([D, 3 * H], 7), constant: k } : undefined,
  ];
  while (inputs.length && inputs[inputs.length - 1] === undefined) inputs.pop();
  const outputs = c.outputs ?? (op === 'LSTM' ? ['y', 'yh', 'yc'] : ['y', 'yh']);
  const node: Node = {
    name: `${op}_0`,
    op,
    domain: '',
    inputs: inputs.map((i) => i?.name ?? ''),
    outputs,
    attrs: {
      hidden_size: int(H),
      layout: int(layout),
      ...(c.direction ? { direction: str(c.direction) } : {}),
      ...c.attrs,
    },
  };
  const present = inputs.filter((i): i is GraphInput => i !== undefined);
  const graph = graphOf(
    [node],
    present,
    outputs.filter((o) => o !== ''),
  );
  const tol = TOL[dtype]!;
  checkGraph(graph, feedsOf(present), { tolerance: tol });
}

/** Values of `t` times `scale`, as `dtype` (rand gives [-1, 1)). */
function scaled(t: Tensor, scale: number, dtype: DType): Tensor {
  const v = Array.from(t.data as Float64Array, (x) => x * scale);
  return fromNumbers(dtype, t.shape, v);
}

for (const op of ['RNN', 'GRU', 'LSTM'] as const) {
  for (const direction of ['forward', 'reverse', 'bidirectional'] as const) {
    for (const layout of [0, 1]) {
      test(`${op} ${direction} layout=${layout}`, () => run({ op, direction, layout, bias: true }));
      test(`${op} ${direction} layout=${layout} runtime lengths, initial state`, () =>
        run({ op, direction, layout, bias: true, lens: [3, 0, 4], initH: true, initC: op === 'LSTM' }));
    }
    test(`${op} ${direction} constant weights and lengths`, () =>
      run({
        op,
        direction,
        constWeights: true,
        bias: true,
        lens: [2, 4, 1],
        lensConstant: true,
        initH: true,
      }));
  }
  test(`${op} no bias, batch 1, odd sizes`, () => run({ op, B: 1, S: 7, I: 3, H: 5 }));
  test(`${op} hidden 1 input 1`, () => run({ op, B: 2, S: 3, I: 1, H: 1, bias: true }));
  test(`${op} full constant lengths drop the checks`, () =>
    run({ op, lens: [4, 4, 4], lensConstant: true, direction: 'reverse' }));
  test(`${op} int64 lengths`, () =>
    run({ op, lens: [1, 4, 2], lensDtype: 'int64', direction: 'bidirectional' }));
  test(`${op} clip`, () => run({ op, bias: true, scale: 3, attrs: { clip: float(0.7) } }));
  test(`${op} only Y_h`, () => run({ op, direction: 'bidirectional', outputs: ['', 'yh'], lens: [2, 3, 4] }));
  test(`${op} only Y`, () => run({ op, layout: 1, outputs: ['y'], bias: true }));
  for (const dtype of ['float16', 'bfloat16', 'float64'] as const) {
    test(`${op} ${dtype}`, () =>
      run({
        op,
        dtype,
        direction: 'bidirectional',
        bias: true,
        initH: true,
        initC: op === 'LSTM',
        lens: [4, 2, 3],
      }));
    test(`${op} ${dtype} constant weights layout 1`, () =>
      run({ op, dtype, layout: 1, bias: true, constWeights: true }));
  }
}

const ALL_ACTS: [string, number?, number?][] = [
  ['Relu'],
  ['Tanh'],
  ['Sigmoid'],
  ['Affine', 0.7, -0.2],
  ['LeakyRelu', 0.3],
  ['ThresholdedRelu', 0.1],
  ['ScaledTanh', 1.3, 0.8],
  ['HardSigmoid', 0.3, 0.4],
  ['Elu', 0.9],
  ['Softsign'],
  ['Softplus'],
];

/** activation_alpha / beta list the parameters of the functions that take them, in order. */
function activationAttrs(list: [string, number?, number?][]): Attrs {
  const alphas = list.flatMap(([, a]) => (a === undefined ? [] : [a]));
  const betas = list.flatMap(([, , b]) => (b === undefined ? [] : [b]));
  return {
    activations: strs(list.map(([n]) => n)),
    ...(alphas.length ? { activation_alpha: floats(alphas) } : {}),
    ...(betas.length ? { activation_beta: floats(betas) } : {}),
  };
}

for (const [name, alpha, beta] of ALL_ACTS) {
  test(`RNN activation ${name}`, () =>
    run({ op: 'RNN', bias: true, scale: 2, attrs: activationAttrs([[name, alpha, beta]]) }));
}

test('RNN bidirectional activations per direction', () =>
  run({
    op: 'RNN',
    direction: 'bidirectional',
    bias: true,
    attrs: activationAttrs([['Relu'], ['Elu', 0.5]]),
  }));

test('GRU activations with parameters, bidirectional', () =>
  run({
    op: 'GRU',
    direction: 'bidirectional',
    bias: true,
    attrs: activationAttrs([
      ['HardSigmoid', 0.25, 0.45],
      ['ScaledTanh', 1.1, 0.9],
      ['Sigmoid'],
      ['Softsign'],
    ]),
  }));

test('LSTM activations with parameters', () =>
  run({
    op: 'LSTM',
    bias: true,
    peep: true,
    attrs: activationAttrs([
      ['HardSigmoid', 0.2, 0.5],
      ['LeakyRelu', 0.1],
      ['Affine', 0.5, 0.1],
    ]),
  }));

for (const lbr of [0, 1]) {
  for (const constWeights of [false, true]) {
    test(`GRU linear_before_reset=${lbr} const=${constWeights}`, () =>
      run({
        op: 'GRU',
        direction: 'bidirectional',
        bias: true,
        constWeights,
        lens: [4, 1, 3],
        initH: true,
        attrs: { linear_before_reset: int(lbr) },
      }));
  }
  test(`GRU linear_before_reset=${lbr} without bias`, () =>
    run({ op: 'GRU', attrs: { linear_before_reset: int(lbr) }, layout: 1 }));
}

for (const inputForget of [0, 1]) {
  for (const peep of [false, true]) {
    test(`LSTM input_forget=${inputForget} peepholes=${peep}`, () =>
      run({
        op: 'LSTM',
        direction: 'bidirectional',
        bias: true,
        peep,
        constWeights: peep,
        lens: [3, 4, 0],
        initH: true,
        initC: true,
        attrs: { input_forget: int(inputForget) },
      }));
  }
}

test('LSTM peepholes at runtime with clip, layout 1', () =>
  run({ op: 'LSTM', peep: true, bias: true, layout: 1, scale: 2, initC: true, attrs: { clip: float(0.5) } }));

test('LSTM Y_c alone', () => run({ op: 'LSTM', outputs: ['', '', 'yc'], initC: true, lens: [1, 2, 3] }));

test('LSTM large batch and hidden: the step GEMM tiles', () =>
  run({ op: 'LSTM', S: 3, B: 9, I: 17, H: 13, bias: true }));

test('the recurrence is one kernel whose time loop holds a GEMM per direction', async () => {
  const { lowerGraph } = await import('../../src/backend/schedule/lower-graph.js');
  const x = rand([2, 3, 4], 1);
  const inputs: GraphInput[] = [
    { name: 'X', value: x },
    { name: 'W', value: rand([2, 16, 4], 2), constant: true },
    { name: 'R', value: rand([2, 16, 4], 3), constant: true },
  ];
  const node: Node = {
    name: 'lstm',
    op: 'LSTM',
    domain: '',
    inputs: ['X', 'W', 'R'],
    outputs: ['y'],
    attrs: { hidden_size: int(4), direction: str('bidirectional') },
  };
  const program = lowerGraph(graphOf([node], inputs, ['y']), 't');
  const names = program.kernels.map((k) => k.name);
  assert.deepEqual(names, [
    'lstm_input_gemm_f32',
    'lstm_input_gemm_f32',
    'lstm_init_state_f32',
    'lstm_recurrence_f32',
  ]);
  const rec = program.kernels[3]!;
  assert.equal(rec.body.length, 1);
  const time = rec.body[0]!;
  assert.ok(time.op === 'loop' && time.extent === 2);
  assert.deepEqual(
    time.body.map((s) => s.op),
    ['gemm', 'loop', 'gemm', 'loop'],
  );
});
