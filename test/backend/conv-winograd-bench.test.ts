import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import type { Tensor } from '../../src/ir/tensor.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import type { Program } from '../../src/backend/schedule/program.js';
import { renderWasm } from '../../src/backend/wasm/index.js';
import { winogradKernels } from '../../src/backend/lower/linalg/conv-winograd.js';
import { planFor, winogradPlan } from '../../src/backend/lower/linalg/conv-winograd-plan.js';
import type { ConvPlan } from '../../src/backend/lower/linalg/conv-plan.js';
import {
  F2X2,
  F4X4,
  toomCook,
  type WinogradTile,
} from '../../src/backend/lower/linalg/conv-winograd-transforms.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { layoutOf, wasm } from './wasm-harness.js';
import { convGraph, errorOf, lowerConvNode, type ConvCase } from './conv-winograd-support.js';

/**
 * Winograd against the im2col GEMM on resnet's 3x3 convs (batch 1, pad 1, bias), one thread,
 * relaxed SIMD, same data, in one process, runs interleaved; GFLOP/s count the direct conv's
 * 2*OH*OW*M*C*9. Off by default (minutes of CPU): `NCC_WINOGRAD_BENCH=1 node --test
 * dist/test/backend/conv-winograd-bench.test.js`; NCC_WINOGRAD_SHAPES=C:HxW,... picks shapes,
 * NCC_WINOGRAD_MS the time per shape, NCC_WINOGRAD_STAT=min reports the fastest run instead of the
 * median (steadier on a busy machine).
 */
const enabled = process.env.NCC_WINOGRAD_BENCH === '1';
const SHAPES = (process.env.NCC_WINOGRAD_SHAPES ?? '64:56x56,128:28x28,256:14x14,512:7x7')
  .split(',')
  .map((s) => {
    const [c, hw] = s.split(':');
    const [h, w] = hw!.split('x').map(Number);
    return { C: Number(c), H: h!, W: w! };
  });

interface Instance {
  /** Writes the inputs (the memory plan may reuse their bytes for scratch), then runs. */
  readonly run: Timed;
  /** Kernel exports by kernel name. */
  readonly kernels: ReadonlyMap<string, (() => void)[]>;
  readonly output: () => Float32Array;
}

function instantiate(program: Program, feeds: ReadonlyMap<string, Tensor>): Instance {
  const plan = planMemory(program);
  const layout = layoutOf(plan);
  const bytes = renderWasm(
    program,
    { plan, ...layout },
    { features: ['simd128', 'relaxed-simd'], optimize: 2 },
  );
  const pages = layout.totalBytes / 65536;
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const exports = new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports;
  const mem = new Uint8Array(memory.buffer);
  const raw = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  for (const [name, p] of plan.weights) {
    const data = program.buffers.get(name)?.data;
    if (data) mem.set(raw(data), layout.weightsOffset + p.offset);
  }
  const setInputs = (): void => {
    for (const io of program.inputs)
      mem.set(raw(feeds.get(io.name)!), layout.arenaOffset + plan.arena.get(io.buffer)!.offset);
  };
  const kernels = new Map<string, (() => void)[]>();
  program.kernels.forEach((k, i) => {
    const f = exports[`k${i}`] as (tid: number, n: number) => void;
    kernels.set(k.name, [...(kernels.get(k.name) ?? []), () => f(0, 1)]);
  });
  const out = program.outputs[0]!;
  const offset = layout.arenaOffset + plan.arena.get(out.buffer)!.offset;
  const n = out.shape.reduce((a, b) => a * b, 1);
  return {
    run: { setup: setInputs, f: () => (exports['run'] as (tid: number, n: number) => void)(0, 1) },
    kernels,
    output: () => new Float32Array(memory.buffer, offset, n).slice(),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A function to time and what must run before each call, untimed. */
interface Timed {
  readonly setup: () => void;
  readonly f: () => void;
}

/** Median ms of each function over interleaved rounds lasting about `budgetMs` in all. */
function timeInterleaved(fs: readonly Timed[], budgetMs: number): number[] {
  for (const { setup, f } of fs) {
    for (let i = 0; i < 3; i++) {
      setup();
      f();
    }
  }
  const times: number[][] = fs.map(() => []);
  const start = performance.now();
  while (performance.now() - start < budgetMs || times[0]!.length < 5) {
    fs.forEach(({ setup, f }, i) => {
      setup();
      const t0 = performance.now();
      f();
      times[i]!.push(performance.now() - t0);
    });
  }
  return times.map(process.env.NCC_WINOGRAD_STAT === 'min' ? (xs) => Math.min(...xs) : median);
}

/** The conv's plan, as lowerConv sees it. */
function planOf(graph: ReturnType<typeof convGraph>): ConvPlan {
  let plan: ConvPlan | undefined;
  lowerConvNode(graph.graph, graph.conv, (_ctx, p) => {
    plan = p;
    return [];
  });
  return plan!;
}

function winograd(graph: ReturnType<typeof convGraph>, tile: WinogradTile): Program {
  return lowerConvNode(graph.graph, graph.conv, (ctx, p, buffers, epilogue) =>
    winogradKernels(ctx, planFor(p, tile)!, buffers, epilogue),
  );
}

/** F(4x4) on the symmetric points 0, +-1, +-2: fewer input-transform operations, less accurate. */
const F4X4_SYMMETRIC = toomCook(4, [0, 1, -1, 2, -2]);

const VARIANTS: readonly { name: string; tile: WinogradTile }[] = [
  { name: 'F(2x2)', tile: F2X2 },
  { name: 'F(4x4)', tile: F4X4 },
  { name: 'F(4x4) on +-2', tile: F4X4_SYMMETRIC },
];

test('Winograd vs im2col on resnet 3x3 convs', { skip: !enabled && 'set NCC_WINOGRAD_BENCH=1' }, () => {
  const head = ['layer', 'im2col', ...VARIANTS.map((v) => v.name)];
  const rows: string[] = [`| ${head.join(' | ')} |`, `|${head.map(() => '---|').join('')}`];
  const notes: string[] = [];
  for (const { C, H, W } of SHAPES) {
    const c: ConvCase = { x: [1, C, H, W], w: [C, C, 3, 3], pads: [1, 1, 1, 1], bias: true };
    const g = convGraph(c);
    const flops = 2 * H * W * C * C * 9;
    const programs = [lowerGraph(g.graph, 'im2col'), ...VARIANTS.map((v) => winograd(g, v.tile))];
    const inst = programs.map((p) => instantiate(p, g.feeds));
    const ms = timeInterleaved(
      inst.map((i) => i.run),
      Number(process.env.NCC_WINOGRAD_MS ?? 6000),
    );
    const want = [...runGraph(g.graph, g.feeds).values()][0]!;
    const errs = inst.map((i) => {
      i.run.setup();
      i.run.f();
      const { maxErr, scale } = errorOf({ dtype: 'float32', shape: want.shape, data: i.output() }, want);
      return maxErr / scale;
    });
    const cell = (i: number): string =>
      `${ms[i]!.toFixed(2)} ms ${(flops / ms[i]! / 1e6).toFixed(1)} GF/s err ${errs[i]!.toExponential(1)}`;
    const chosen = winogradPlan(planOf(g))?.tile.name ?? 'im2col';
    rows.push(`| ${C}x${H}x${W} (${chosen}) | ${programs.map((_, i) => cell(i)).join(' | ')} |`);
    // where each variant's time goes, by kernel kind (after a whole run; scratch that the memory
    // plan shares between kernels holds other data then, which matters for values, not for time)
    VARIANTS.forEach((v, k) => {
      const it = inst[k + 1]!;
      const whole = (): void => {
        it.run.setup();
        it.run.f();
      };
      const parts = [...it.kernels].map(([name, fs]) => {
        const t = timeInterleaved([{ setup: whole, f: () => fs.forEach((f) => f()) }], 300)[0]!;
        return `${name.replace(/^conv2d_3x3_wino\dx\d_/, '')} ${t.toFixed(2)}`;
      });
      notes.push(`${C}x${H}x${W} ${v.name}: ${parts.join(', ')}`);
    });
  }
  console.log([...rows, '', ...notes].join('\n'));
});
