import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs, Node } from '../../src/ir/graph.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import { rand } from '../helpers/op-harness.js';
import { feedsOf, graphOf, lower, type GraphInput } from '../helpers/lowering-harness.js';
import { checkGraph, type Tolerance } from './lower-linalg-support.js';
import { checkGraph as checkWithThreads } from './lower-reduce-support.js';

/**
 * LinearAttention and CausalConvWithState lowerings against the reference, interpreted and rendered
 * to wasm: every update rule, decay per key and per head, beta per head and shared, the erase gate,
 * GQA/MQA, with and without past and present state, explicit scales; conv kernel sizes on both
 * sides of the unrolling limit, inputs shorter than the state, SiLU, every float dtype.
 */
const int = (value: number): AttrValue => ({ kind: 'int', value });
const float = (value: number): AttrValue => ({ kind: 'float', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

const TOL: Partial<Record<DType, Tolerance>> = {
  float32: { atol: 2e-5, rtol: 1e-4 },
  float64: { atol: 1e-12, rtol: 1e-10 },
  float16: { atol: 2e-3, rtol: 4e-3 },
  bfloat16: { atol: 2e-2, rtol: 2e-2 },
};

/** rand values mapped by `f`, stored as `dtype`. */
function values(shape: number[], seed: number, dtype: DType, f: (x: number) => number = (x) => x): Tensor {
  const r = rand(shape, seed, 'float64');
  return fromNumbers(dtype, shape, Array.from(r.data as Float64Array, f));
}

function check(
  op: string,
  inputs: (GraphInput | undefined)[],
  outputs: string[],
  attrs: Attrs,
  dtype: DType,
  threads = false,
): void {
  const node: Node = {
    name: `${op}_0`,
    op,
    domain: '',
    inputs: inputs.map((i) => i?.name ?? ''),
    outputs,
    attrs,
  };
  const present = inputs.filter((i): i is GraphInput => i !== undefined);
  const graph = graphOf(
    [node],
    present,
    outputs.filter((o) => o !== ''),
  );
  if (!threads) {
    checkGraph(graph, feedsOf(present), { tolerance: TOL[dtype]! });
    return;
  }
  // a program of one parallel kernel also runs as the threads variant, shares one after another
  const program = checkWithThreads(graph, feedsOf(present), { tolerance: TOL[dtype]! });
  assert.equal(program.kernels.length, 1);
}

interface LaCase {
  readonly rule: 'linear' | 'gated' | 'delta' | 'gated_delta';
  readonly B?: number;
  readonly T?: number;
  readonly Hq?: number;
  readonly Hkv?: number;
  readonly dk?: number;
  readonly dv?: number;
  readonly past?: boolean;
  readonly perHeadDecay?: boolean;
  readonly sharedBeta?: boolean;
  readonly erase?: boolean;
  readonly outputs?: string[];
  readonly dtype?: DType;
  readonly pastDtype?: DType;
  readonly scale?: number;
  readonly threads?: boolean;
}

function linearAttention(c: LaCase): void {
  const { rule, B = 2, T = 5, Hq = 2, Hkv = 2, dk = 3, dv = 6, dtype = 'float32' } = c;
  const gated = rule === 'gated' || rule === 'gated_delta';
  const delta = rule === 'delta' || rule === 'gated_delta';
  // keys normalized-ish and decays/betas in their usual ranges keep the state bounded
  const inputs: (GraphInput | undefined)[] = [
    { name: 'q', value: values([B, T, Hq * dk], 1, dtype) },
    { name: 'k', value: values([B, T, Hkv * dk], 2, dtype, (x) => x / Math.sqrt(dk)) },
    { name: 'v', value: values([B, T, Hkv * dv], 3, dtype) },
    c.past ? { name: 'past', value: values([B, Hkv, dk, dv], 4, c.pastDtype ?? dtype) } : undefined,
    gated
      ? {
          name: 'decay',
          value: values([B, T, c.perHeadDecay ? Hkv : Hkv * dk], 5, dtype, (x) => x * 0.4 - 0.5),
        }
      : undefined,
    delta
      ? { name: 'beta', value: values([B, T, c.sharedBeta ? 1 : Hkv], 6, dtype, (x) => 0.5 + x * 0.4) }
      : undefined,
    c.erase ? { name: 'erase', value: values([B, T, Hkv * dk], 7, dtype, (x) => 0.5 + x * 0.5) } : undefined,
  ];
  while (inputs.length && inputs[inputs.length - 1] === undefined) inputs.pop();
  const attrs: Attrs = {
    q_num_heads: int(Hq),
    kv_num_heads: int(Hkv),
    update_rule: str(rule),
    ...(c.scale !== undefined ? { scale: float(c.scale) } : {}),
  };
  check('LinearAttention', inputs, c.outputs ?? ['o', 'state'], attrs, dtype, c.threads);
}

for (const rule of ['linear', 'gated', 'delta', 'gated_delta'] as const) {
  for (const past of [false, true]) {
    test(`LinearAttention ${rule} past=${past}`, () => linearAttention({ rule, past }));
  }
  test(`LinearAttention ${rule} GQA, more heads than batch`, () =>
    linearAttention({ rule, B: 1, Hq: 6, Hkv: 3, past: true }));
  test(`LinearAttention ${rule} MQA, decode step`, () =>
    linearAttention({ rule, B: 3, T: 1, Hq: 4, Hkv: 1, past: true }));
  test(`LinearAttention ${rule} output only`, () => linearAttention({ rule, outputs: ['o'], past: true }));
  test(`LinearAttention ${rule} state only`, () => linearAttention({ rule, outputs: ['', 'state'] }));
  for (const dtype of ['float16', 'bfloat16', 'float64'] as const) {
    test(`LinearAttention ${rule} ${dtype}`, () => linearAttention({ rule, dtype, past: true, Hq: 4 }));
  }
}
test('LinearAttention gated per-head decay', () =>
  linearAttention({ rule: 'gated', perHeadDecay: true, past: true }));
test('LinearAttention gated_delta per-head decay, shared beta, erase gate', () =>
  linearAttention({ rule: 'gated_delta', perHeadDecay: true, sharedBeta: true, erase: true, Hq: 4 }));
test('LinearAttention delta with erase gate', () =>
  linearAttention({ rule: 'delta', erase: true, past: true }));
test('LinearAttention explicit scale', () => linearAttention({ rule: 'linear', scale: 0.3, past: true }));
test('LinearAttention scale 0 means the default', () => linearAttention({ rule: 'gated', scale: 0 }));
test('LinearAttention float16 inputs with a float32 state', () =>
  linearAttention({ rule: 'gated_delta', dtype: 'float16', pastDtype: 'float32', past: true }));
test('LinearAttention wide heads', () =>
  linearAttention({ rule: 'gated_delta', dk: 16, dv: 17, T: 3, past: true }));

interface ConvCase {
  readonly B?: number;
  readonly C?: number;
  readonly L?: number;
  readonly k?: number;
  readonly bias?: boolean;
  readonly past?: boolean;
  readonly activation?: string;
  readonly present?: boolean;
  readonly dtype?: DType;
  readonly threads?: boolean;
}

function causalConv(c: ConvCase): void {
  const { B = 2, C = 3, L = 7, k = 4, dtype = 'float32' } = c;
  const inputs: (GraphInput | undefined)[] = [
    { name: 'x', value: values([B, C, L], 1, dtype, (x) => 2 * x) },
    { name: 'w', value: values([C, 1, k], 2, dtype) },
    c.bias ? { name: 'bias', value: values([C], 3, dtype) } : undefined,
    c.past ? { name: 'past', value: values([B, C, k - 1], 4, dtype, (x) => 2 * x) } : undefined,
  ];
  while (inputs.length && inputs[inputs.length - 1] === undefined) inputs.pop();
  const attrs: Attrs = c.activation ? { activation: str(c.activation) } : {};
  check('CausalConvWithState', inputs, c.present === false ? ['y'] : ['y', 'state'], attrs, dtype, c.threads);
}

for (const k of [1, 2, 4, 17]) {
  for (const past of [false, true]) {
    for (const bias of [false, true]) {
      test(`CausalConvWithState k=${k} past=${past} bias=${bias}`, () => causalConv({ k, past, bias }));
    }
  }
  test(`CausalConvWithState k=${k} silu`, () =>
    causalConv({ k, past: true, bias: true, activation: 'silu' }));
  test(`CausalConvWithState k=${k} input shorter than the state`, () => causalConv({ k, L: 2, past: true }));
  test(`CausalConvWithState k=${k} decode step, batch over channels`, () =>
    causalConv({ k, L: 1, B: 5, C: 2, past: true, bias: true }));
}
test('CausalConvWithState swish is SiLU', () => causalConv({ activation: 'swish', past: true }));
test('CausalConvWithState without present_state', () =>
  causalConv({ past: true, bias: true, present: false }));
for (const dtype of ['float16', 'bfloat16', 'float64'] as const) {
  for (const activation of ['none', 'silu']) {
    test(`CausalConvWithState ${dtype} ${activation}`, () =>
      causalConv({ dtype, activation, past: true, bias: true }));
  }
  test(`CausalConvWithState ${dtype} long kernel`, () =>
    causalConv({ dtype, k: 19, L: 5, activation: 'silu' }));
}

test('CausalConvWithState: one kernel over the padded rows, taps unrolled, channels parallel', () => {
  const inputs: GraphInput[] = [
    { name: 'x', value: rand([1, 8, 6], 1) },
    { name: 'w', value: rand([8, 1, 4], 2), constant: true },
  ];
  const node: Node = {
    name: 'conv',
    op: 'CausalConvWithState',
    domain: '',
    inputs: ['x', 'w'],
    outputs: ['y'],
    attrs: {},
  };
  const program = lower(graphOf([node], inputs, ['y']));
  assert.deepEqual(
    program.kernels.map((k) => k.name),
    ['causal_conv_rows_f32', 'causal_conv_k4_f32'],
  );
  const conv = program.kernels[1]!.body[0]!;
  assert.ok(conv.op === 'loop' && conv.parallel && conv.extent === 8);
});

for (const [B, Hkv] of [
  [1, 3],
  [4, 1],
]) {
  test(`LinearAttention threads variant, batch ${B}, ${Hkv} KV heads`, () =>
    linearAttention({ rule: 'gated_delta', B, Hkv, Hq: 2 * Hkv, past: true, threads: true }));
}
for (const [B, C] of [
  [1, 7],
  [5, 2],
]) {
  test(`CausalConvWithState threads variant, batch ${B}, ${C} channels`, () =>
    causalConv({ B, C, k: 1, bias: true, activation: 'silu', threads: true }));
}
