import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs, Node } from '../../src/ir/graph.js';
import { FUSED_DOMAIN } from '../../src/ops/linalg/fused.js';
import { feedsOf, graphOf, type GraphInput } from '../helpers/lowering-harness.js';
import { rand } from '../helpers/op-harness.js';
import { checkGraph } from './lower-linalg-support.js';

/**
 * FusedConv / FusedGemm / FusedMatMul lowerings against their references (the ops they replace):
 * every activation, with and without bias and residual, over GEMM convs (NCHW, NHWC, groups, im2col),
 * depthwise and float64 direct convs (epilogue loop), transposed and constant-operand Gemms, and
 * batched MatMuls, at sizes that are not multiples of any register tile.
 */
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const floats = (value: readonly number[]): AttrValue => ({ kind: 'floats', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });

const ACTIVATIONS: readonly [string, number[]][] = [
  ['none', []],
  ['relu', []],
  ['clip', [0, 6]],
  ['clip', [-Infinity, 0.25]],
  ['leakyrelu', [0.1]],
  ['sigmoid', []],
  ['silu', []],
  ['tanh', []],
  ['hardsigmoid', [0.2, 0.5]],
  ['hardswish', []],
  ['gelu', []],
  ['gelu_tanh', []],
];

function activation(name: string, params: readonly number[]): Attrs {
  if (name === 'none') return {};
  return { activation: str(name), ...(params.length ? { activation_params: floats(params) } : {}) };
}

function check(
  op: string,
  inputs: readonly (GraphInput | undefined)[],
  attrs: Attrs,
  dtype: DType = 'float32',
): void {
  const node: Node = {
    name: `${op}_0`,
    op,
    domain: FUSED_DOMAIN,
    inputs: inputs.map((i) => i?.name ?? ''),
    outputs: ['out0'],
    attrs,
  };
  const present = inputs.filter((i): i is GraphInput => i !== undefined);
  const graph = graphOf([node], present, ['out0']);
  const tol = dtype === 'float16' ? { atol: 2e-2, rtol: 2e-2 } : { atol: 2e-5, rtol: 1e-4 };
  checkGraph(graph, feedsOf(present), { tolerance: tol });
}

const input = (
  name: string,
  shape: number[],
  seed: number,
  dtype: DType = 'float32',
  constant = false,
): GraphInput => ({
  name,
  value: rand(shape, seed, dtype),
  ...(constant ? { constant: true } : {}),
});

interface ConvCase {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly y: number[];
  readonly attrs: Attrs;
  readonly dtype?: DType;
}

const CONVS: readonly ConvCase[] = [
  { name: '1x1', x: [1, 5, 3, 7], w: [13, 5, 1, 1], y: [1, 13, 3, 7], attrs: {} },
  {
    name: '3x3 pad s2',
    x: [1, 3, 9, 8],
    w: [7, 3, 3, 3],
    y: [1, 7, 5, 4],
    attrs: { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) },
  },
  { name: 'groups 2', x: [2, 4, 5, 6], w: [6, 2, 3, 3], y: [2, 6, 3, 4], attrs: { group: int(2) } },
  {
    name: 'depthwise',
    x: [1, 5, 6, 7],
    w: [5, 1, 3, 3],
    y: [1, 5, 6, 7],
    attrs: { group: int(5), pads: ints([1, 1, 1, 1]) },
  },
  { name: 'NHWC 3x3', x: [1, 6, 7, 3], w: [9, 3, 3, 3], y: [1, 4, 5, 9], attrs: { layout: str('NHWC') } },
  { name: 'NHWC 1x1', x: [2, 3, 5, 4], w: [11, 4, 1, 1], y: [2, 3, 5, 11], attrs: { layout: str('NHWC') } },
  { name: 'float64 direct', x: [1, 3, 6, 5], w: [5, 3, 3, 3], y: [1, 5, 4, 3], attrs: {}, dtype: 'float64' },
  { name: 'float16', x: [1, 3, 6, 5], w: [5, 3, 3, 3], y: [1, 5, 4, 3], attrs: {}, dtype: 'float16' },
];

for (const c of CONVS) {
  test(`FusedConv ${c.name}: every activation, bias, residual`, () => {
    const dt = c.dtype ?? 'float32';
    const x = input('x', c.x, 1, dt);
    const w = input('w', c.w, 2, dt, true);
    const b = input('b', [c.w[0]!], 3, dt, true);
    const r = input('r', c.y, 4, dt);
    ACTIVATIONS.forEach(([name, params], i) => {
      const attrs = { ...c.attrs, ...activation(name, params) };
      // alternate bias / residual so every activation meets each combination across the cases
      check('FusedConv', [x, w, i % 2 ? b : undefined, i % 3 ? r : undefined], attrs, dt);
    });
    // runtime (non-constant) weights take the unpacked path
    check(
      'FusedConv',
      [x, { ...w, constant: false } as GraphInput, b, r],
      { ...c.attrs, ...activation('relu', []) },
      dt,
    );
  });
}

test('FusedGemm: transposes, constant and runtime B, C as bias or matrix, every activation', () => {
  const [M, N, K] = [7, 13, 9];
  const a = input('a', [M, K], 1);
  const at = input('at', [K, M], 2);
  const b = input('b', [K, N], 3, 'float32', true);
  const bt = input('bt', [N, K], 4, 'float32', true);
  const r = input('r', [M, N], 5);
  const cv = input('c', [N], 6, 'float32', true);
  const cm = input('cm', [M, N], 7);
  ACTIVATIONS.forEach(([name, params], i) => {
    const act = activation(name, params);
    check('FusedGemm', [a, bt, cv, r], { transB: int(1), ...act });
    check('FusedGemm', [at, b, i % 2 ? cm : undefined, i % 3 ? r : undefined], {
      transA: int(1),
      beta: { kind: 'float', value: 0.5 },
      ...act,
    });
  });
  // alpha that cannot fold into a constant operand: the epilogue runs as its own loop
  const rb = input('rb', [K, N], 8);
  check('FusedGemm', [a, rb, cv, r], { alpha: { kind: 'float', value: 1.5 }, ...activation('silu', []) });
  // a GEMV (the classifier shape): one row against packed columns
  check(
    'FusedGemm',
    [
      input('v', [1, 37], 9),
      input('w', [45, 37], 10, 'float32', true),
      input('bv', [45], 11, 'float32', true),
    ],
    {
      transB: int(1),
      ...activation('relu', []),
    },
  );
});

test('FusedMatMul: bias, residual, batches, constant and runtime B, every activation', () => {
  const a = input('a', [2, 5, 11], 1);
  const b = input('b', [11, 19], 2, 'float32', true);
  const bias = input('bias', [19], 3, 'float32', true);
  const r = input('r', [2, 5, 19], 4);
  ACTIVATIONS.forEach(([name, params], i) => {
    check('FusedMatMul', [a, b, i % 2 ? bias : undefined, i % 3 ? r : undefined], activation(name, params));
  });
  const bb = input('bb', [2, 11, 6], 5);
  check(
    'FusedMatMul',
    [a, bb, input('bias6', [6], 6, 'float32', true), input('r6', [2, 5, 6], 7)],
    activation('gelu', []),
  );
  const cb = input('cb', [2, 11, 6], 8, 'float32', true);
  check('FusedMatMul', [a, cb, undefined, input('r7', [2, 5, 6], 9)], activation('hardswish', []));
});
