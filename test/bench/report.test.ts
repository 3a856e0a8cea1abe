import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from '../../src/bench/markdown.js';
import { coldTable, latencyTable, scalingTable, tfjsTable } from '../../src/bench/report.js';
import { evaluateTargets } from '../../src/bench/targets.js';
import { markdownTable } from '../../src/bench/table.js';
import type { RuntimeId } from '../../src/bench/protocol.js';
import { run, threadReport } from './fixtures.js';
import type { ModelReport, SuiteReport } from '../../src/bench/results.js';

const cold = (runtime: RuntimeId, threads: number, coldMs: number, mib: number) => ({
  runtime,
  threads,
  backend: 'b',
  importMs: 1,
  coldMs,
  peakRssBytes: mib * 2 ** 20,
});

/** 4.3 GFLOP: the wasm minimum is 100 ms at one thread, 50 ms at two. */
const resnet: ModelReport = {
  name: 'resnet50',
  gflop: 4.3,
  compile: { ms: 4000, neffBytes: 2 ** 20, kernels: 10, variants: [], flops: 4.3e9, batch: 'fixed at 1' },
  problems: [],
  threads: [
    threadReport(
      1,
      [
        run('neuron-cc', [200, 100, 300]),
        run('onnxruntime-node', [50, 50, 50]),
        run('onnxruntime-web', [400, 400, 400]),
      ],
      [
        cold('neuron-cc', 1, 90, 100),
        cold('onnxruntime-node', 1, 100, 120),
        cold('onnxruntime-web', 1, 900, 300),
      ],
    ),
    {
      threads: 2,
      interleaved: {
        threads: 2,
        skipped: [],
        runs: [
          run('neuron-cc', [100, 100, 100]),
          run('onnxruntime-node', [30, 30, 30]),
          run('onnxruntime-web', [150, 150, 150]),
        ],
        oneThread: [180, 200, 150], // ratios to [100, 100, 100]: 1.8, 2, 1.5
      },
      cold: [cold('neuron-cc', 2, 110, 100), cold('onnxruntime-node', 2, 100, 120)],
    },
  ],
};

test('the latency table: medians, p90, speed-ups and the distance from the wasm minimum', () => {
  const t = latencyTable([resnet]);
  assert.equal(
    markdownTable(t.header, t.rows),
    [
      '| model | T | ncc med | ncc p90 | node med | node p90 | web med | web p90 | vs node | vs web | wasm min | ncc/min | node/min | ncc cores | rounds |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      '| resnet50 | 1 | 200 | 280 | 50.0 | 50.0 | 400 | 400 | 0.25x | 2.00x | 100 | 2.00x | 0.50x | 1.00 | 3 |',
      '| resnet50 | 2 | 100 | 100 | 30.0 | 30.0 | 150 | 150 | 0.30x | 1.50x | 50.0 | 2.00x | 0.60x | 1.00 | 3 |',
    ].join('\n'),
  );
});

test('scaling: neuron-cc by the median of round ratios, peers by the ratio of medians', () => {
  assert.deepEqual(scalingTable([resnet]).rows, [['resnet50', '2T vs 1T', '1.80x', '1.67x', '2.67x']]);
});

test('the TF.js table: rows only where TensorFlow.js ran, with its speed-up, cold start and memory', () => {
  const web: ModelReport = {
    name: 'net_tfjs',
    gflop: 0.3,
    problems: [],
    threads: [
      threadReport(
        1,
        [run('neuron-cc', [10, 10, 10]), run('tfjs-wasm', [25, 25, 25])],
        [cold('neuron-cc', 1, 70, 70), cold('tfjs-wasm', 1, 110, 130)],
      ),
      threadReport(2, [run('neuron-cc', [6, 6, 6])], [cold('neuron-cc', 2, 80, 78)]),
    ],
  };
  const t = tfjsTable([resnet, web]);
  assert.equal(t.rows.length, 1);
  const row = t.rows[0]!;
  assert.equal(row[0], 'net_tfjs');
  assert.equal(row[t.header.indexOf('vs tfjs')], '2.50x');
  assert.equal(row[t.header.indexOf('tfjs cold')], '110');
  assert.equal(row[t.header.indexOf('tfjs RSS')], '130.0');
});

test('cold table: a runtime with no result shows -', () => {
  assert.deepEqual(coldTable([resnet]).rows[1], ['resnet50', '2', '110', '100', '-', '100.0', '120.0', '-']);
});

test('targets: met, missed with the figure, not measured for what is missing', () => {
  const targets = evaluateTargets([resnet], ['resnet50', 'bert_base']);
  const verdict = (start: string) => targets.find((t) => t.target.startsWith(start));
  assert.deepEqual(verdict('every model at least 2x'), {
    target: 'every model at least 2x faster than onnxruntime-web at 2 threads',
    verdict: 'missed',
    figures: 'resnet50 1.50x; bert_base not measured',
  });
  assert.equal(verdict('every model at least 1.7x')!.verdict, 'not measured'); // resnet50 met, bert_base absent
  assert.equal(verdict('geometric mean')!.figures, 'over 2 pairs 1.73x; without bert_base: not measured');
  assert.equal(verdict('geometric mean')!.verdict, 'missed');
  assert.equal(verdict('2 threads at least 1.7x')!.figures, 'resnet50 1.80x; bert_base not measured');
  assert.equal(verdict('compile time of resnet50')!.verdict, 'met');
  assert.equal(verdict('compile time of bert_base')!.verdict, 'not measured');
  // 2T: onnxruntime-node's cold start is faster than neuron-cc's
  assert.equal(verdict('cold start')!.verdict, 'missed');
  assert.match(verdict('cold start')!.figures, /resnet50 2T 110 vs 100 ms/);
  const alone = evaluateTargets([resnet], ['resnet50']);
  assert.equal(alone.find((t) => t.target.startsWith('every model at least 1.7x'))!.verdict, 'met');
  assert.equal(alone.find((t) => t.target.startsWith('neuron-cc'))!.verdict, 'met');
  // figures that all read the same are said once
  assert.equal(
    alone.find((t) => t.target.startsWith('measured with'))!.figures,
    'all 2: simd128+relaxed-simd',
  );
  assert.equal(alone.find((t) => t.target.startsWith('neuron-cc'))!.figures, 'all 2: err/tol 0.25');
});

const suite = (loadBefore: number): SuiteReport => ({
  date: '2026-01-02T03:04:05Z',
  command: 'npm run bench -- --quick',
  machine: { cpu: 'Test CPU', cores: 2, memoryBytes: 4 * 2 ** 30, os: 'TestOS', loadBefore },
  versions: { node: 'v20.0.0', 'neuron-cc': '0.1.0' },
  runtimes: ['neuron-cc', 'onnxruntime-node', 'onnxruntime-web'],
  models: [resnet],
  skipped: [{ name: 'bert_base', reason: 'no folder /m/bert_base', command: 'make.sh /m --only bert_base' }],
  minutes: 1.5,
});

test('the Markdown report: header, targets, tables, skipped models with their command', () => {
  const md = renderMarkdown(suite(0.1), evaluateTargets([resnet], ['resnet50', 'bert_base']));
  const lines = md.split('\n');
  assert.deepEqual(lines.slice(0, 8), [
    '# neuron-cc benchmarks',
    '',
    '- Date: 2026-01-02T03:04:05Z (the run took 1.5 min)',
    '- Machine: Test CPU, 2 cores, 4.0 GiB RAM, TestOS; load average before the run 0.10',
    '- Versions: node v20.0.0, neuron-cc 0.1.0',
    '- Command: `npm run bench -- --quick`',
    "- Runtimes: neuron-cc, onnxruntime-node, onnxruntime-web (columns: ncc = neuron-cc, node = onnxruntime-node, web = onnxruntime-web, tfjs = TensorFlow.js's wasm backend; T = threads)",
    '',
  ]);
  assert.ok(
    md.includes(
      '- **missed**: every model at least 2x faster than onnxruntime-web at 2 threads. resnet50 1.50x; bert_base not measured',
    ),
  );
  assert.ok(md.includes('\n- met: compile time of resnet50 under 5 s. resnet50 4.0 s\n'));
  assert.ok(
    md.includes(
      [
        '## Skipped models',
        '',
        '| model | why | make it with |',
        '|---|---|---|',
        '| bert_base | no folder /m/bert_base | `make.sh /m --only bert_base` |',
      ].join('\n'),
    ),
  );
  assert.ok(md.includes('onnxruntime does not run TF.js models'));
  assert.ok(!md.includes('Preliminary'));
});

test('a busy machine makes the report say its figures are preliminary', () => {
  const md = renderMarkdown(suite(1.7), []);
  assert.match(
    md.split('\n')[2]!,
    /^> \*\*Preliminary figures\*\*: the machine was busy .*load average 1\.70 on 2 cores/,
  );
});

test('the layer target: judged only when the profile accounts for the model FLOPs', () => {
  const withLayers = (
    gflop: number,
    layers: { node: string; gflop: number; gflops: number }[],
  ): ModelReport => ({
    ...resnet,
    gflop,
    threads: [
      {
        ...resnet.threads[0]!,
        interleaved: {
          ...resnet.threads[0]!.interleaved!,
          layers: layers.map((l) => ({ ...l, op: 'Conv' })),
        },
      },
    ],
  });
  const layerVerdict = (m: ModelReport) =>
    evaluateTargets([m], ['resnet50']).find((t) => t.target.startsWith('conv/GEMM layers'))!;
  const fast = [
    { node: 'a', gflop: 2, gflops: 40 },
    { node: 'b', gflop: 2, gflops: 35 },
    { node: 'small', gflop: 0.05, gflops: 5 },
  ];
  assert.deepEqual(layerVerdict(withLayers(4.05, fast)), {
    target:
      'conv/GEMM layers of at least 0.1 GFLOP in resnet50 and bert_base at 75% of the wasm FMA peak (32.3 GFLOP/s) per thread',
    verdict: 'not measured',
    figures: 'resnet50 2 of 2 layers, 37.3 GFLOP/s overall, slowest b 35.0; bert_base not measured',
  });
  const alone = (m: ModelReport) => evaluateTargets([m], []).find((t) => t.target.startsWith('conv/GEMM'))!;
  const bert = (m: ModelReport): ModelReport => ({ ...m, name: 'bert_base' });
  assert.equal(alone(withLayers(4.05, fast)).verdict, 'not measured'); // bert_base missing
  const both = (m: ModelReport) =>
    evaluateTargets([m, bert(m)], []).find((t) => t.target.startsWith('conv/GEMM'))!;
  assert.equal(both(withLayers(4.05, fast)).verdict, 'met');
  const partial = both(withLayers(8, fast));
  assert.equal(partial.verdict, 'not measured');
  assert.match(partial.figures, /the profile counts only 4\.05 of 8\.00 GFLOP/);
  assert.equal(both(withLayers(8, [...fast, { node: 'slow', gflop: 0.2, gflops: 20 }])).verdict, 'missed');
});
