import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileStaticModel, memoryLayout } from '../../src/driver/compile.js';
import { optimizeGraph } from '../../src/passes/pipeline.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { planThreads, type ThreadMode } from '../../src/backend/wasm/threads-schedule.js';
import type { AttrValue, Attrs, Graph } from '../../src/ir/graph.js';
import { getNumber, type Tensor } from '../../src/ir/tensor.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { load, type Outputs } from '../../src/runtime/index.js';
import { feedsOf, nodeGraph, type GraphInput } from '../helpers/lowering-harness.js';
import { rand } from '../helpers/op-harness.js';

/**
 * Compiled ops on 1, 2 and 3 threads (real workers, the runtime's own pool): the thread count never
 * changes a bit of the result, and the result matches the reference. Sizes are odd so thread shares
 * end mid-tile and mid-vector: gemms split by rows and by columns, batched gemms dealt out whole or
 * in slices, parallel loop nests, vectorized loops, multi-kernel ops with barriers between kernels.
 */
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });

interface Case {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly { shape: readonly number[]; constant?: boolean }[];
  readonly attrs?: Attrs;
  readonly tolerance?: number;
  /** How the op's main kernel is shared (checked so the case tests what it says). */
  readonly split: ThreadMode['kind'];
}

const CASES: readonly Case[] = [
  {
    name: 'MatMul 67x131x45 (split by columns)',
    split: 'gemms',
    op: 'MatMul',
    inputs: [{ shape: [67, 45] }, { shape: [45, 131] }],
  },
  {
    name: 'MatMul 203x9x61 (split by rows)',
    split: 'gemms',
    op: 'MatMul',
    inputs: [{ shape: [203, 61] }, { shape: [61, 9] }],
  },
  {
    name: 'batched MatMul 5 calls (dealt in slices)',
    split: 'gemms',
    op: 'MatMul',
    inputs: [{ shape: [5, 37, 29] }, { shape: [5, 29, 43] }],
  },
  {
    name: 'batched MatMul 12 calls (2 threads: whole calls, 3: slices)',
    split: 'gemms',
    op: 'MatMul',
    inputs: [{ shape: [12, 33, 17] }, { shape: [12, 17, 41] }],
  },
  {
    name: 'batched MatMul 37 calls (dealt whole)',
    split: 'gemms',
    op: 'MatMul',
    inputs: [{ shape: [37, 19, 23] }, { shape: [37, 23, 29] }],
  },
  {
    name: 'Gemm transB 1x1000x64 (dot tiles, columns)',
    split: 'gemms',
    op: 'Gemm',
    inputs: [{ shape: [1, 64] }, { shape: [1000, 64], constant: true }, { shape: [1000], constant: true }],
    attrs: { transB: int(1) },
  },
  {
    name: 'Conv 3x3 s2 pad, groups 2',
    split: 'gemms',
    op: 'Conv',
    inputs: [
      { shape: [1, 16, 45, 47] },
      { shape: [20, 8, 3, 3], constant: true },
      { shape: [20], constant: true },
    ],
    attrs: { group: int(2), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
  },
  {
    name: 'Conv 1x1 groups 3 (several calls)',
    split: 'gemms',
    op: 'Conv',
    inputs: [{ shape: [1, 48, 37, 29] }, { shape: [36, 16, 1, 1], constant: true }],
    attrs: { group: int(3) },
  },
  {
    name: 'Conv depthwise 3x3',
    split: 'loop',
    op: 'Conv',
    inputs: [{ shape: [1, 13, 27, 25] }, { shape: [13, 1, 3, 3], constant: true }],
    attrs: { group: int(13), pads: ints([1, 1, 1, 1]) },
  },
  {
    name: 'Erf over 50001 (vectorized shares)',
    split: 'loop',
    op: 'Erf',
    inputs: [{ shape: [50001] }],
    tolerance: 1e-6,
  },
  { name: 'Softmax rows', split: 'loop', op: 'Softmax', inputs: [{ shape: [3, 131, 67] }], tolerance: 1e-6 },
  {
    name: 'MaxPool 3x3 s2',
    split: 'loop',
    op: 'MaxPool',
    inputs: [{ shape: [1, 7, 37, 35] }],
    attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]) },
  },
  {
    name: 'Transpose',
    split: 'loop',
    op: 'Transpose',
    inputs: [{ shape: [5, 97, 103] }],
    attrs: { perm: ints([2, 0, 1]) },
  },
  {
    name: 'Softmax inner axis',
    split: 'loop',
    op: 'Softmax',
    inputs: [{ shape: [7, 131, 67] }],
    attrs: { axis: int(1) },
    tolerance: 1e-6,
  },
];

function graphOf(c: Case): { graph: Graph; inputs: GraphInput[] } {
  const inputs = c.inputs.map((spec, i) => ({
    name: `in${i}`,
    value: rand(spec.shape, i + 3),
    ...(spec.constant ? { constant: true } : {}),
  }));
  return { graph: nodeGraph(c.op, inputs, c.attrs ?? {}), inputs };
}

/** The thread plan of the graph as compileStaticModel lowers it. */
function modes(graph: Graph): readonly ThreadMode[] {
  const program = lowerGraph(optimizeGraph(graph, { optLevel: 2 }), 'threads');
  const plan = planMemory(program);
  const layout = memoryLayout(plan);
  const base = (b: string): number => {
    const w = plan.weights.get(b);
    return w ? layout.weightsOffset + w.offset : layout.arenaOffset + plan.arena.get(b)!.offset;
  };
  return planThreads(program.kernels, (b) => ({ base: base(b), bytes: program.buffers.get(b)!.bytes })).modes;
}

function sameBits(a: Outputs, b: Outputs, what: string): void {
  for (const name of Object.keys(a)) {
    const x = new Uint8Array(a[name]!.buffer);
    const y = new Uint8Array(b[name]!.buffer);
    const first = x.findIndex((v, i) => v !== y[i]);
    assert.equal(first, -1, `${what}: ${name} differs from byte ${first}`);
  }
}

for (const c of CASES) {
  test(`threads: ${c.name}`, async () => {
    const { graph, inputs } = graphOf(c);
    const model = {
      name: 'threads',
      graph,
      opsets: new Map([['', 17]]),
      producer: 'test',
      source: { format: 'onnx' as const, path: 'test' },
    };
    const planned = modes(graph);
    const { neff } = compileStaticModel(model);
    assert.ok(
      planned.some((m) => m.kind === c.split),
      `a '${c.split}' split in ${JSON.stringify(planned)}`,
    );
    const feeds = feedsOf(inputs);
    const expected = runGraph(graph, feeds);
    const given = Object.fromEntries([...feeds].map(([k, t]) => [k, t.data]));
    for (const features of [
      ['simd128', 'relaxed-simd', 'threads'],
      ['simd128', 'threads'],
    ] as const) {
      const results: Outputs[] = [];
      for (const threads of [1, 2, 3]) {
        const m = await load(neff, { threads, features });
        try {
          assert.equal(m.threads, threads);
          // two runs, each sharing the work
          await m.run(given);
          results.push(await m.run(given));
        } finally {
          m.dispose();
        }
      }
      sameBits(results[1]!, results[0]!, `${features.join('+')}, 2 threads`);
      sameBits(results[2]!, results[0]!, `${features.join('+')}, 3 threads`);
      for (const [name, want] of expected) close(results[0]![name]!, want, c.tolerance ?? 1e-5, name);
    }
  });
}

function close(got: ArrayLike<number | bigint>, want: Tensor, tol: number, name: string): void {
  assert.equal(got.length, want.data.length, name);
  for (let i = 0; i < got.length; i++) {
    const a = Number(got[i]);
    const e = getNumber(want, i);
    assert.ok(Math.abs(a - e) <= tol + tol * Math.abs(e), `${name}[${i}]: ${a}, reference ${e}`);
  }
}
