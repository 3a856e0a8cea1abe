import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttrValue, Graph } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { registerOps } from '../../src/ops/registry.js';
import { fusedConv } from '../../src/ops/linalg/fused.js';
import '../../src/backend/lower/all.js';
import { registerLowerings } from '../../src/backend/lower/registry.js';
import type { LoweredValue } from '../../src/backend/lower/lowering.js';
import { output, required } from '../../src/backend/lower/linalg/common.js';
import { tapMajor } from '../../src/backend/lower/linalg/conv.js';
import { convDepthwiseKernels } from '../../src/backend/lower/linalg/conv-depthwise.js';
import { flatApplies } from '../../src/backend/lower/linalg/conv-depthwise-flat.js';
import { planConv } from '../../src/backend/lower/linalg/conv-plan.js';
import { epilogueOf } from '../../src/backend/lower/linalg/epilogue.js';
import { graphOf } from '../helpers/lowering-harness.js';
import { checkGraph, prng, random } from './lower-reduce-support.js';

/**
 * Depthwise convolution kernels (conv-depthwise.ts: the segment nest; conv-depthwise-flat.ts: small
 * stride-1 planes as one flat loop) with fused epilogues, swept over odd sizes, kernels, strides,
 * dilations, asymmetric pads, channel multipliers and both layouts against FusedConv's reference.
 * A test-only op lowers through convDepthwiseKernels, whatever path Conv itself takes.
 */

const TEST_DOMAIN = 'ai.test';
registerOps([{ ...fusedConv, domain: TEST_DOMAIN } as typeof fusedConv]);
registerLowerings({
  [`${TEST_DOMAIN}::FusedConv`]: (ctx) => {
    const [x, w, y] = [required(ctx, 0), required(ctx, 1), output(ctx)];
    const b = ctx.inputs[2];
    const p = planConv(ctx, x, w);
    const op = (v: LoweredValue) => ({ buffer: v.buffer, dtype: v.dtype });
    const pre: ReturnType<typeof convDepthwiseKernels> = [];
    const wt = p.layout === 'NHWC' ? tapMajor(ctx, p, w, w.dtype, pre) : op(w);
    const kernels = convDepthwiseKernels(
      ctx,
      p,
      { x: op(x), w: wt, bias: b && op(b), y: op(y) },
      epilogueOf(ctx, 3),
    );
    return { kernels: [...pre, ...kernels] };
  },
});

const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });

interface Case {
  readonly c: number;
  readonly mult: number;
  readonly hw: readonly [number, number];
  readonly k: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly nhwc: boolean;
  readonly activation: 'none' | 'relu' | 'silu' | 'clip' | 'tanh';
  readonly residual: boolean;
}

function outputSize(t: Case): [number, number] {
  const [h, w] = t.hw;
  const oh = Math.floor((h + t.pads[0] + t.pads[2] - t.dilation[0] * (t.k[0] - 1) - 1) / t.stride[0]) + 1;
  const ow = Math.floor((w + t.pads[1] + t.pads[3] - t.dilation[1] * (t.k[1] - 1) - 1) / t.stride[1]) + 1;
  return [oh, ow];
}

function graphFor(t: Case, seed: number): { graph: Graph; feeds: Map<string, Tensor> } {
  const [h, w] = t.hw;
  const m = t.c * t.mult;
  const xShape = t.nhwc ? [1, h, w, t.c] : [1, t.c, h, w];
  const x = random('float32', xShape, seed, -2, 2);
  const inputs = [
    { name: 'x', value: x },
    { name: 'w', value: random('float32', [m, 1, ...t.k], seed + 1, -1, 1), constant: true },
    { name: 'b', value: random('float32', [m], seed + 2, -1, 1), constant: true },
  ];
  const attrs: Record<string, AttrValue> = {
    group: { kind: 'int', value: t.c },
    kernel_shape: ints(t.k),
    strides: ints(t.stride),
    dilations: ints(t.dilation),
    pads: ints(t.pads),
    ...(t.nhwc ? { layout: { kind: 'string', value: 'NHWC' } } : {}),
    ...(t.activation !== 'none' ? { activation: { kind: 'string', value: t.activation } } : {}),
    ...(t.activation === 'clip' ? { activation_params: { kind: 'floats', value: [-0.5, 1] } } : {}),
  };
  const [oh, ow] = outputSize(t);
  const residual = t.residual
    ? random('float32', t.nhwc ? [1, oh, ow, m] : [1, m, oh, ow], seed + 3)
    : undefined;
  if (residual) inputs.push({ name: 'r', value: residual });
  const node = {
    name: 'dw',
    op: 'FusedConv',
    domain: TEST_DOMAIN,
    inputs: ['x', 'w', 'b', ...(residual ? ['r'] : [])],
    outputs: ['y'],
    attrs,
  };
  const graph = graphOf([node], inputs, ['y']);
  const feeds = new Map<string, Tensor>([
    ['x', x],
    ...(residual ? [['r', residual] as [string, Tensor]] : []),
  ]);
  return { graph, feeds };
}

function randomCase(next: () => number, flat: boolean): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const k = pick([
    [3, 3],
    [5, 5],
    [3, 1],
    [1, 4],
    [2, 3],
  ] as const);
  const p = (): number => Math.floor(next() * 3);
  return {
    c: pick([1, 3, 5]),
    mult: flat ? pick([1, 1, 2]) : pick([1, 2]),
    hw: [pick([1, 2, 5, 7, 9, 14]), pick([1, 3, 5, 7, 9, 14, 17, 33])],
    k,
    stride: flat
      ? [1, 1]
      : pick([
          [1, 1],
          [2, 2],
          [3, 2],
          [1, 2],
        ] as const),
    dilation: pick([
      [1, 1],
      [1, 1],
      [2, 1],
      [2, 2],
    ] as const),
    pads: [p(), p(), p(), p()],
    nhwc: !flat && next() < 0.3,
    activation: flat
      ? pick(['silu', 'tanh', 'none'] as const)
      : pick(['none', 'relu', 'silu', 'clip', 'tanh'] as const),
    residual: next() < 0.3,
  };
}

test('depthwise kernels with epilogues over odd sizes, strides, dilations and pads match the reference', () => {
  const next = prng(17);
  let flatCases = 0;
  let cases = 0;
  for (let i = 0; i < 70; i++) {
    const t = randomCase(next, i % 2 === 0);
    // windows larger than the padded input have no output
    if (outputSize(t).some((d) => d < 1)) continue;
    const { graph, feeds } = graphFor(t, i + 1);
    cases++;
    const program = checkGraph(graph, feeds, { tolerance: { atol: 2e-5, rtol: 1e-4 } });
    if (program.kernels.some((k) => k.name.includes('_dw_flat_'))) flatCases++;
  }
  assert.ok(cases >= 50 && flatCases >= 12, `${cases} cases, ${flatCases} on the flat path`);
});

test('the flat path takes small stride-1 NCHW planes only', () => {
  const plan = (s: number, w: number, layout: 'NCHW' | 'NHWC' = 'NCHW', k = 5) => ({
    g: {
      rank: 2,
      input: [1, 14, w] as const,
      output: [1, 14, w] as const,
      kernel: [1, k, k] as const,
      strides: [1, s, s] as const,
      dilations: [1, 1, 1] as const,
      padBegin: [0, 1, 1] as const,
      padEnd: [0, 1, 1] as const,
    },
    layout,
    N: 1,
    C: 8,
    M: 8,
    G: 8,
    Cg: 1,
    Mg: 1,
    stem: 'conv2d_3x3',
  });
  assert.ok(flatApplies(plan(1, 14)));
  assert.ok(!flatApplies(plan(2, 14)));
  assert.ok(!flatApplies(plan(1, 28)));
  assert.ok(!flatApplies(plan(1, 14, 'NHWC')));
  // 3x3 windows only when the epilogue is costly
  assert.ok(!flatApplies(plan(1, 7, 'NCHW', 3)));
  assert.ok(flatApplies(plan(1, 7, 'NCHW', 3), { activation: { kind: 'silu' } }));
});
