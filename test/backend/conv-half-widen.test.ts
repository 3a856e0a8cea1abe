import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ops/all.js';
import type { Graph } from '../../src/ir/graph.js';
import { getNumber, type Tensor } from '../../src/ir/tensor.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { compileStaticModel } from '../../src/driver/compile.js';
import { readNeff } from '../../src/neff/reader.js';
import { load } from '../../src/runtime/index.js';
import { roundTo } from '../../src/passes/auto-cast.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { rand } from '../helpers/op-harness.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

/**
 * 16-bit conv weights on the GEMM's splat side (NCHW) are widened once per run into a float32 panel
 * copy for layers with enough columns (conv.ts widensPanels), and read in registers otherwise: both
 * compute exactly what float32 arithmetic over the rounded weights computes.
 */

function conv(pixels: number, kernel: number, stride: number): Graph {
  const [C, M] = [8, 12];
  return inferShapes(
    graph({
      inputs: [value('x', 'float32', [1, C, pixels, pixels])],
      outputs: [value('y', 'float32', undefined)],
      initializers: [
        ['w', rand([M, C, kernel, kernel], 3)],
        ['b', rand([M], 4)],
      ],
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['y'], {
          pads: { kind: 'ints', value: Array(4).fill((kernel - 1) / 2) },
          strides: { kind: 'ints', value: [stride, stride] },
        }),
      ],
    }),
    { fold: false },
  );
}

async function check(pixels: number, kernel: number, stride: number, widened: boolean): Promise<void> {
  const g = conv(pixels, kernel, stride);
  const model = {
    name: 'conv',
    graph: g,
    opsets: new Map([['', 18]]),
    producer: 'test',
    source: { format: 'onnx' as const, path: 'conv.onnx' },
  };
  const { neff } = compileStaticModel(model, { autoCast: { mode: 'matmult', type: 'bfloat16' } });
  const kernels = (readNeff(neff).contents.metadata.kernels ?? []).map((k) => k.name);
  assert.equal(kernels.includes('convert_bf16_f32'), widened, kernels.join());
  // the oracle: float32 arithmetic over the weights rounded to bf16
  const rounded: Graph = {
    ...g,
    initializers: new Map(g.initializers).set('w', roundTo(g.initializers.get('w')!, 'bfloat16')),
  };
  const x = rand([1, 8, pixels, pixels], 5);
  const want = runGraph(rounded, new Map([['x', x]])).get('y')!;
  const compiled = await load(neff);
  try {
    const got: Tensor = { ...want, data: (await compiled.run({ x: x.data })).y as Float32Array };
    for (let i = 0; i < want.data.length; i++) {
      const [a, e] = [getNumber(got, i), getNumber(want, i)];
      assert.ok(Math.abs(a - e) <= 1e-5 + 1e-5 * Math.abs(e), `y[${i}] ${a} != ${e}`);
    }
  } finally {
    compiled.dispose();
  }
}

test('16-bit conv weights: widened to float32 panels for wide layers, in registers for narrow ones', async () => {
  await check(10, 1, 1, true); // 100 columns: widened
  await check(20, 3, 2, true); // im2col (stride 2, not Winograd), 100 columns
  await check(6, 1, 1, false); // 36 columns: read as 16 bits
});
