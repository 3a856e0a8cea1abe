import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  castLatencyRatio,
  castSizeRatio,
  castTable,
  evaluateCastTargets,
} from '../../src/bench/auto-cast.js';
import type { RuntimeId, RuntimeRun } from '../../src/bench/protocol.js';
import { run, threadReport } from './fixtures.js';
import type { ModelReport } from '../../src/bench/results.js';

/** The cast runtimes are reported by their accuracy figures, not held to a tolerance. */
function castRun(runtime: RuntimeId, samples: number[], cosine = 1): RuntimeRun {
  const status = runtime === 'neuron-cc' ? 'pass' : 'figures';
  const check = {
    status,
    against: 'reference',
    maxAbsError: 0,
    worstRatio: 0,
    cosine,
    maxRelError: 1 - cosine,
  } as const;
  return run(runtime, samples, { check });
}

/** fp32 and bf16 timed in the same rounds: the ratio is the median of per-round ratios. */
function model(name: string, fp32: number[], bf16: number[], bytes: [number, number]): ModelReport {
  const compile = (neffBytes: number) => ({
    ms: 1,
    neffBytes,
    kernels: 1,
    variants: [],
    flops: 1,
    batch: '1',
  });
  return {
    name,
    gflop: 1,
    compile: compile(bytes[0]),
    compileCast: compile(bytes[1]),
    problems: [],
    threads: [
      threadReport(1, [
        castRun('neuron-cc', fp32),
        castRun('neuron-cc-bf16', bf16, 0.9999),
        castRun(
          'neuron-cc-bf16-all',
          bf16.map((x) => 2 * x),
          0.999,
        ),
      ]),
    ],
  };
}

test('auto-cast figures: size ratio, and latency as the median of the interleaved round ratios', () => {
  // round ratios 1.1, 0.9, 1.0: median 1.0 (the ratio of medians would be 10/10 too, but rounds pair up)
  const m = model('resnet50', [10, 10, 10], [11, 9, 10], [1000, 520]);
  assert.equal(castSizeRatio(m), 0.52);
  assert.equal(castLatencyRatio(m.threads[0]!), 1);
  const skewed = model('x', [10, 20, 30], [30, 10, 20], [1, 1]);
  // per round 3, 0.5, 0.67: median 0.67, where medians alone would say 1
  assert.ok(Math.abs(castLatencyRatio(skewed.threads[0]!)! - 2 / 3) < 1e-12);
  // all: twice matmult's time each round, so per round 2.2, 1.8, 2.0
  assert.equal(castLatencyRatio(m.threads[0]!, 'neuron-cc-bf16-all'), 2);
  const t = castTable([m]);
  assert.deepEqual(t.rows[0]!.slice(0, 10), [
    'resnet50',
    '0.0',
    '0.0',
    '0.52x',
    '1.00x',
    '2.00x',
    '0.999900',
    '1.0e-4',
    '0.999000',
    '1.0e-3',
  ]);
});

test('the issue 5 targets: met, missed at the bar, and not measured when a model is absent', () => {
  const ok = model('resnet50', [10, 10, 10], [10.4, 10.4, 10.4], [1000, 530]);
  const seq1 = model('bert_base_seq1', [10, 10, 10], [7.4, 7.5, 7.4], [1000, 500]);
  const [size, latency, gain] = evaluateCastTargets([ok, seq1], ['resnet50', 'bert_base_seq1']);
  assert.equal(size!.verdict, 'met');
  assert.equal(latency!.verdict, 'met');
  assert.equal(gain!.verdict, 'met');
  const big = model('resnet50', [10, 10, 10], [10.6, 10.6, 10.6], [1000, 531]);
  const slow = model('bert_base_seq1', [10, 10, 10], [7.6, 7.6, 7.6], [1000, 500]);
  const missed = evaluateCastTargets([big, slow], ['resnet50', 'bert_base_seq1']);
  assert.deepEqual(
    missed.map((t) => t.verdict),
    ['missed', 'missed', 'missed'],
  );
  assert.match(missed[0]!.figures, /resnet50 0\.53x/);
  const absent = evaluateCastTargets([ok], ['resnet50', 'bert_base_seq1']);
  assert.equal(absent[2]!.verdict, 'not measured');
  assert.equal(absent[0]!.verdict, 'not measured'); // bert_base_seq1's size is unknown
});
