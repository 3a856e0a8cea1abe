import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import type { DType } from '../../src/ir/dtype.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { rand } from '../helpers/op-harness.js';
import { feedsOf, graphOf, lower, nodeGraph, type GraphInput } from '../helpers/lowering-harness.js';
import { checkGraph, checkLinalg, runWasm } from './lower-linalg-support.js';

/**
 * The random generators compiled: the counter-based generator (src/ops/image/prng.ts) makes the
 * reference, the kernel-IR interpreter and the rendered wasm agree to the last bit (tolerance 0)
 * for every op and output dtype, with a seed.
 */
const int = (value: number): AttrValue => ({ kind: 'int', value });
const float = (value: number): AttrValue => ({ kind: 'float', value });
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const EXACT = { tolerance: { atol: 0, rtol: 0 } };
const FLOAT_CODES: Readonly<Record<string, number>> = { float32: 1, float16: 10, float64: 11, bfloat16: 16 };

test('RandomUniform and RandomNormal: every float dtype, odd sizes, bit for bit', () => {
  for (const code of Object.values(FLOAT_CODES)) {
    for (const shape of [[1], [7], [3, 5, 2], [64, 33]]) {
      const seed = float(shape.length + 0.25);
      checkLinalg(
        'RandomUniform',
        [],
        { shape: ints(shape), dtype: int(code), seed, low: float(-3), high: float(5) },
        EXACT,
      );
      checkLinalg(
        'RandomNormal',
        [],
        { shape: ints(shape), dtype: int(code), seed, mean: float(1), scale: float(2) },
        EXACT,
      );
    }
  }
});

test('RandomUniformLike and RandomNormalLike: input dtype or the dtype attribute', () => {
  for (const dtype of ['float32', 'float16', 'float64', 'bfloat16'] as const) {
    const x: GraphInput = { name: 'x', value: rand([5, 9], 3, dtype) };
    checkLinalg('RandomUniformLike', [x], { seed: float(7) }, EXACT);
    checkLinalg('RandomNormalLike', [x], { seed: float(-7), mean: float(-1) }, EXACT);
    checkLinalg('RandomUniformLike', [x], { seed: float(8), dtype: int(11) }, EXACT);
  }
});

function probabilities(dtype: DType, n: number): Tensor {
  return fromNumbers(
    dtype,
    [n],
    Array.from({ length: n }, (_, i) => (i % 11) / 10),
  );
}

test('Bernoulli: float inputs into float, int and bool outputs', () => {
  for (const dtype of ['float32', 'float16', 'float64'] as const) {
    for (const code of [undefined, 1, 6, 7, 9, 10, 11]) {
      const attrs: Attrs = code === undefined ? { seed: float(3) } : { seed: float(3), dtype: int(code) };
      checkLinalg('Bernoulli', [{ name: 'p', value: probabilities(dtype, 67) }], attrs, EXACT);
    }
  }
});

test('Multinomial: batches, one class, -inf logits, int32 and int64', () => {
  const cases: readonly (readonly [number, number, number])[] = [
    [1, 1, 5],
    [3, 4, 17],
    [2, 9, 1],
    [5, 2, 64],
  ];
  for (const [batch, classes, samples] of cases) {
    for (const dtype of ['float32', 'float64', 'float16'] as const) {
      const logits = rand([batch, classes], batch + classes, dtype);
      for (const code of [6, 7])
        checkLinalg(
          'Multinomial',
          [{ name: 'x', value: logits }],
          { seed: float(9), sample_size: int(samples), dtype: int(code) },
          EXACT,
        );
    }
  }
  const masked = fromNumbers('float32', [2, 3], [0, -Infinity, 1, -Infinity, -Infinity, -Infinity]);
  checkLinalg('Multinomial', [{ name: 'x', value: masked }], { seed: float(1), sample_size: int(40) }, EXACT);
});

test('compiled draws are deterministic across runs; unseeded nodes get distinct compile-time streams', () => {
  const attrs = { shape: ints([256]) };
  const once = (graph = nodeGraph('RandomUniform', [], attrs)) =>
    runWasm(lower(graph), new Map()).get('out0')!;
  const program = lower(nodeGraph('RandomUniform', [], attrs));
  assert.deepEqual(runWasm(program, new Map()).get('out0'), runWasm(program, new Map()).get('out0'));
  assert.notDeepEqual(once().data, once().data);
  const seeded = { shape: ints([256]), seed: float(2) };
  assert.deepEqual(
    once(nodeGraph('RandomUniform', [], seeded)).data,
    once(nodeGraph('RandomUniform', [], seeded)).data,
  );
});

test('compiled 10^5-sample moments match the distributions', () => {
  const n = 100000;
  const draw = (op: string, attrs: Attrs, inputs: GraphInput[] = []): number[] =>
    Array.from(
      runWasm(lower(nodeGraph(op, inputs, attrs)), feedsOf(inputs)).get('out0')!.data as Float32Array,
      Number,
    );
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const variance = (v: readonly number[]) => mean(v.map((x) => (x - mean(v)) ** 2));
  const u = draw('RandomUniform', { shape: ints([n]), seed: float(21) });
  assert.ok(Math.abs(mean(u) - 0.5) < 0.01 && Math.abs(variance(u) - 1 / 12) < 0.005);
  const z = draw('RandomNormal', { shape: ints([n]), seed: float(22) });
  assert.ok(Math.abs(mean(z)) < 0.02 && Math.abs(variance(z) - 1) < 0.02, `${mean(z)} ${variance(z)}`);
  const b = draw('Bernoulli', { seed: float(23) }, [
    { name: 'p', value: fromNumbers('float32', [n], new Array<number>(n).fill(0.7)) },
  ]);
  assert.ok(Math.abs(mean(b) - 0.7) < 0.01);
});

test('a graph with generators feeding arithmetic compiles end to end', () => {
  const x: GraphInput = { name: 'x', value: rand([4, 6], 5) };
  const graph = graphOf(
    [
      {
        name: 'n',
        op: 'RandomNormalLike',
        domain: '',
        inputs: ['x'],
        outputs: ['noise'],
        attrs: { seed: float(4), scale: float(0.1) },
      },
      { name: 'a', op: 'Add', domain: '', inputs: ['x', 'noise'], outputs: ['noisy'], attrs: {} },
      { name: 's', op: 'Softmax', domain: '', inputs: ['noisy'], outputs: ['probs'], attrs: {} },
      { name: 'l', op: 'Log', domain: '', inputs: ['probs'], outputs: ['logp'], attrs: {} },
      {
        name: 'm',
        op: 'Multinomial',
        domain: '',
        inputs: ['logp'],
        outputs: ['y'],
        attrs: { seed: float(5), sample_size: int(8) },
      },
      {
        name: 'k',
        op: 'Bernoulli',
        domain: '',
        inputs: ['probs'],
        outputs: ['mask'],
        attrs: { seed: float(6) },
      },
    ],
    [x],
    ['y', 'mask', 'noisy'],
  );
  checkGraph(graph, feedsOf([x]), EXACT);
  const reference = runGraph(graph, feedsOf([x]));
  assert.equal(reference.get('y')!.dtype, 'int32');
});
