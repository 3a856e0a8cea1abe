import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Activation } from '../../src/backend/kernel/ir.js';
import type { Tensor } from '../../src/ir/tensor.js';
import {
  convWinograd,
  winogradApplies,
  winogradKernels,
} from '../../src/backend/lower/linalg/conv-winograd.js';
import type { ConvPlan } from '../../src/backend/lower/linalg/conv-plan.js';
import { planFor, winogradPlan, winogradTuning } from '../../src/backend/lower/linalg/conv-winograd-plan.js';
import { F2X2, F4X4, type WinogradTile } from '../../src/backend/lower/linalg/conv-winograd-transforms.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { kernelProblems, runWasm } from './lower-linalg-support.js';
import { convGraph, errorOf, lowerConvNode, type ConvCase } from './conv-winograd-support.js';

/**
 * Winograd convs against the reference Conv (plus Add and activation nodes for the epilogue), through
 * the kernel-IR interpreter and the wasm SIMD module: odd image sizes (partial tiles at the right and
 * bottom, one or two tiles), channel counts that are not multiples of four, every padding shape,
 * groups, batches, bias, run-time weights, both layouts, both tile sizes, blocked tiles.
 */

/** Max error relative to the output's scale: fp32 Winograd F(4x4) stays well under it. */
const RELATIVE = 2e-5;

function check(c: ConvCase, tile: WinogradTile, opts: { interpret?: boolean } = {}): void {
  const { graph, feeds, conv } = convGraph(c);
  const program = lowerConvNode(
    graph,
    conv,
    (ctx, p, buffers, epilogue) => {
      const w = planFor(p, tile);
      assert.ok(w, 'a plan');
      return winogradKernels(ctx, w, buffers, epilogue);
    },
    { residual: c.residual ?? false, ...(c.activation ? { activation: c.activation } : {}) },
  );
  for (const k of program.kernels) assert.deepEqual(kernelProblems(k), [], `kernel ${k.name}`);
  const want = [...runGraph(graph, feeds).values()][0]!;
  const runs: [string, Map<string, Tensor>][] = [['wasm', runWasm(program, feeds)]];
  if (opts.interpret ?? true)
    runs.push(['interpreter', interpretProgram(program, planMemory(program), feeds)]);
  for (const [how, out] of runs) {
    const got = [...out.values()][0]!;
    assert.deepEqual([...got.shape], [...want.shape], `${how} shape`);
    const { maxErr, scale } = errorOf(got, want);
    assert.ok(maxErr <= RELATIVE * Math.max(1, scale), `${how}: max error ${maxErr} at scale ${scale}`);
  }
}

const shapes: (ConvCase & { name: string })[] = [
  { name: '1 tile, pad 1', x: [1, 8, 3, 3], w: [8, 8, 3, 3], pads: [1, 1, 1, 1], bias: true },
  { name: 'odd sizes, pad 1', x: [1, 9, 7, 5], w: [10, 9, 3, 3], pads: [1, 1, 1, 1], bias: true },
  { name: 'no padding', x: [1, 11, 10, 9], w: [13, 11, 3, 3] },
  { name: 'asymmetric pads', x: [1, 8, 6, 9], w: [9, 8, 3, 3], pads: [0, 2, 1, 0], bias: true },
  { name: 'wide pads', x: [1, 8, 4, 5], w: [8, 8, 3, 3], pads: [2, 0, 3, 2] },
  { name: '2 images', x: [2, 12, 9, 6], w: [7, 12, 3, 3], pads: [1, 1, 1, 1], bias: true },
  { name: 'groups 2', x: [1, 18, 7, 10], w: [20, 9, 3, 3], group: 2, pads: [1, 1, 1, 1], bias: true },
  { name: 'groups 2, 2 images', x: [2, 16, 5, 9], w: [18, 8, 3, 3], group: 2, pads: [1, 0, 1, 1] },
  { name: 'output 1x1', x: [1, 8, 3, 3], w: [5, 8, 3, 3] },
  { name: 'tall and thin', x: [1, 8, 13, 3], w: [8, 8, 3, 3], pads: [1, 1, 1, 1], bias: true },
  // NHWC reads it in place: 6 x 10 is exactly the padded extent of both tile sizes
  { name: 'whole tiles, no padding', x: [1, 8, 6, 10], w: [12, 8, 3, 3], bias: true },
  // more output channels than one panel of the packed weights, with a partial panel
  { name: 'wide', x: [1, 8, 5, 6], w: [44, 8, 3, 3], pads: [1, 1, 1, 1] },
];

for (const tile of [F4X4, F2X2]) {
  for (const s of shapes) {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      test(`Winograd ${tile.name} ${s.name} ${layout}`, () => check({ ...s, layout }, tile));
    }
  }
  test(`Winograd ${tile.name} run-time weights`, () => {
    check({ ...shapes[6]!, runtimeWeights: true }, tile);
    check({ ...shapes[5]!, runtimeWeights: true, layout: 'NHWC' }, tile);
  });
}

test('Winograd blocks of images and tile rows under a small budget', () => {
  const saved = winogradTuning.budget;
  try {
    // one F(4x4) tile row of the first case is 36 x 16 x 2 elements: 1, 3 and 5 rows, then 2 images
    for (const rows of [1, 3, 5, 10]) {
      const budget = 36 * 16 * 2 * rows;
      winogradTuning.budget = budget;
      for (const layout of ['NCHW', 'NHWC'] as const) {
        check({ x: [3, 16, 17, 7], w: [9, 16, 3, 3], pads: [1, 1, 1, 1], bias: true, layout }, F4X4);
        check({ x: [2, 12, 9, 9], w: [16, 12, 3, 3], pads: [0, 1, 0, 1], layout, residual: true }, F2X2);
      }
    }
  } finally {
    winogradTuning.budget = saved;
  }
});

const activations: Activation[] = [
  { kind: 'clamp', min: 0, max: Infinity },
  { kind: 'clamp', min: 0, max: 6 },
  { kind: 'leakyrelu', alpha: 0.1 },
  { kind: 'sigmoid' },
  { kind: 'silu' },
  { kind: 'tanh' },
  { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 },
  { kind: 'hardswish' },
  { kind: 'gelu', approximate: 'none' },
  { kind: 'gelu', approximate: 'tanh' },
];

for (const activation of activations) {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    const name = `${activation.kind}${'max' in activation ? ` ${activation.max}` : ''}`;
    test(`Winograd epilogue residual + ${name} ${layout}`, () =>
      check({ ...shapes[1]!, layout, residual: true, activation }, F4X4));
  }
}

test('Winograd epilogue activation without residual or bias', () =>
  check({ ...shapes[2]!, activation: { kind: 'clamp', min: 0, max: Infinity } }, F4X4));

test('Winograd at resnet scale (64 channels, 28x28) in wasm', () =>
  check({ x: [1, 64, 28, 28], w: [64, 64, 3, 3], pads: [1, 1, 1, 1], bias: true }, F4X4, {
    interpret: false,
  }));

/** A ConvPlan for a 2-D conv (the fields winogradPlan reads). */
function plan(c: {
  C: number;
  M: number;
  H: number;
  W?: number;
  N?: number;
  group?: number;
  kernel?: number;
  stride?: number;
  dilation?: number;
}): ConvPlan {
  const [k, s, d, G] = [c.kernel ?? 3, c.stride ?? 1, c.dilation ?? 1, c.group ?? 1];
  const W = c.W ?? c.H;
  const out = (n: number) => Math.floor((n + 2 - d * (k - 1) - 1) / s) + 1;
  return {
    g: {
      rank: 2,
      input: [1, c.H, W],
      output: [1, out(c.H), out(W)],
      kernel: [1, k, k],
      strides: [1, s, s],
      dilations: [1, d, d],
      padBegin: [0, 1, 1],
      padEnd: [0, 1, 1],
    },
    layout: 'NCHW',
    N: c.N ?? 1,
    C: c.C,
    M: c.M,
    G,
    Cg: c.C / G,
    Mg: c.M / G,
    stem: 'conv2d_test',
  };
}

test('Winograd choice: F(4x4) for many tiles, F(2x2) for few, im2col for none', () => {
  const choice = (p: ConvPlan): string => winogradPlan(p)?.tile.name ?? 'none';
  assert.equal(choice(plan({ C: 64, M: 64, H: 56 })), 'wino4x4');
  assert.equal(choice(plan({ C: 128, M: 128, H: 28 })), 'wino4x4');
  assert.equal(choice(plan({ C: 256, M: 256, H: 14 })), 'wino4x4');
  assert.equal(choice(plan({ C: 512, M: 512, H: 7 })), 'wino2x2');
  assert.equal(choice(plan({ C: 512, M: 512, H: 7, N: 8 })), 'wino4x4');
  assert.equal(choice(plan({ C: 128, M: 128, H: 6 })), 'wino2x2');
  assert.equal(choice(plan({ C: 512, M: 512, H: 4 })), 'none');
  assert.equal(choice(plan({ C: 16, M: 32, H: 56, group: 2 })), 'wino4x4');
  assert.equal(choice(plan({ C: 32, M: 32, H: 56, group: 32 })), 'none', 'depthwise');
  assert.equal(choice(plan({ C: 4, M: 64, H: 56 })), 'none', 'few input channels');
  assert.equal(choice(plan({ C: 64, M: 64, H: 56, stride: 2 })), 'none', 'strided');
  assert.equal(choice(plan({ C: 64, M: 64, H: 56, dilation: 2 })), 'none', 'dilated');
  assert.equal(choice(plan({ C: 64, M: 64, H: 56, kernel: 5 })), 'none', '5x5');
  assert.equal(winogradApplies(plan({ C: 64, M: 64, H: 56 })), true);
  const saved = winogradTuning.enabled;
  winogradTuning.enabled = false;
  try {
    assert.equal(winogradApplies(plan({ C: 64, M: 64, H: 56 })), false);
  } finally {
    winogradTuning.enabled = saved;
  }
});

test('Winograd through convWinograd picks its own plan', () => {
  const c: ConvCase = { x: [1, 16, 14, 13], w: [24, 16, 3, 3], pads: [1, 1, 1, 1], bias: true };
  const { graph, feeds, conv } = convGraph(c);
  const program = lowerConvNode(graph, conv, (ctx, p, buffers, epilogue) => {
    assert.ok(winogradApplies(p));
    return convWinograd(ctx, p, buffers, epilogue);
  });
  const want = [...runGraph(graph, feeds).values()][0]!;
  const got = [...runWasm(program, feeds).values()][0]!;
  const { maxErr, scale } = errorOf(got, want);
  assert.ok(maxErr <= RELATIVE * scale, `max error ${maxErr} at scale ${scale}`);
});
