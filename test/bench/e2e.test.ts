import { castLatencyRatio } from '../../src/bench/auto-cast.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpy } from '../../src/io/npy.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import { runSuite } from '../../src/bench/suite.js';
import { latency, nccScaling, runOf, speedup } from '../../src/bench/figures.js';
import { RUNTIMES } from '../../src/bench/protocol.js';
import { initializer, tempDir, writeModel } from '../helpers/onnx-builder.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const K = 16;
const N = 8;
const w = Array.from({ length: K * N }, (_, i) => ((i % 5) - 2) * 0.25);
const x = Array.from({ length: K }, (_, i) => (i - 7) / 8);

/** relu(x @ w), computed here in float64: the reference the bench checks every runtime against. */
function expected(): number[] {
  return Array.from({ length: N }, (_, n) =>
    Math.max(
      0,
      x.reduce((a, xk, k) => a + xk * w[k * N + n]!, 0),
    ),
  );
}

/** A benchmark folder as make-bench-models.sh lays it out, with one tiny model. */
function benchDir(): string {
  const dir = tempDir('ncc-bench-');
  writeModel(
    {
      opset: 13,
      inputs: [['x', 'float32', [1, K]]],
      outputs: [['y', 'float32', [1, N]]],
      nodes: [
        { name: 'mm', op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
        { name: 'relu', op: 'Relu', inputs: ['m'], outputs: ['y'] },
      ],
      initializers: [initializer('w', fromNumbers('float32', [K, N], w))],
    },
    'tiny/model.onnx',
    dir,
  );
  mkdirSync(join(dir, 'tiny/inputs'));
  mkdirSync(join(dir, 'tiny/outputs'));
  writeFileSync(join(dir, 'tiny/inputs/x.npy'), writeNpy(fromNumbers('float32', [1, K], x)));
  writeFileSync(join(dir, 'tiny/outputs/y.npy'), writeNpy(fromNumbers('float32', [1, N], expected())));
  const meta = {
    framework: 'onnx',
    files: ['model.onnx'],
    io_config: { inputs: { x: [[1, K], 'float32'] } },
    inputs: { x: 'inputs/x.npy' },
    outputs: { y: 'outputs/y.npy' },
    tolerance: { atol: 1e-5, rtol: 1e-5 },
  };
  writeFileSync(join(dir, 'tiny/meta.json'), JSON.stringify(meta));
  writeFileSync(join(dir, 'models.json'), JSON.stringify({ tiny: { gflops: (2 * K * N) / 1e9 } }));
  return dir;
}

test('the bench measures a tiny model on every runtime and reports a missing one as skipped', async () => {
  const dir = benchDir();
  const out = join(dir, 'benchmarks.md');
  const lines: string[] = [];
  const report = await runSuite(
    { dir, models: ['tiny', 'absent'], threads: [1, 2], runs: 3, quick: true, out, command: 'test' },
    (l) => lines.push(l),
  );
  assert.deepEqual(
    report.skipped.map((s) => s.name),
    ['absent'],
  );
  assert.match(report.skipped[0]!.command, /make-bench-models\.sh .* --only absent$/);
  assert.ok(lines.some((l) => l.startsWith('SKIPPED absent')));
  const [tiny] = report.models;
  assert.deepEqual(tiny!.problems, []);
  assert.ok(tiny!.compile!.ms > 0 && tiny!.compile!.neffBytes > 0);
  // the NEFF's kernel table must count the MatMul's FLOPs, fused or not: the layer figures need them
  assert.equal(tiny!.compile!.flops, 2 * K * N, 'FLOPs of the MatMul in the kernel table (src/ops/flops.ts)');
  assert.equal(tiny!.compile!.batch, 'fixed at 1');
  for (const t of tiny!.threads) {
    // an ONNX model: neuron-cc in its three forms and the onnxruntime peers (TensorFlow.js runs TF.js models)
    assert.equal(runOf(t.interleaved, 'tfjs-wasm'), undefined);
    for (const runtime of RUNTIMES.filter((r) => r !== 'tfjs-wasm')) {
      const r = runOf(t.interleaved, runtime)!;
      assert.equal(r.samples.length, 3, `${runtime} ${t.threads}T`);
      assert.ok(r.samples.every((s) => s > 0 && Number.isFinite(s)));
      // the auto-cast runtime is reported by its figures, not held to the float32 tolerance
      if (runtime === 'neuron-cc-bf16') {
        assert.equal(r.check.status, 'figures');
        assert.ok(r.check.cosine! > 0.999 && r.check.cosine! <= 1 + 1e-12, `cosine ${r.check.cosine}`);
        // this model's weights (multiples of 0.25) are exact in bf16: nothing may change
        assert.ok(r.check.maxRelError! < 1e-6, `max rel error ${r.check.maxRelError}`);
      } else if (runtime === 'neuron-cc-bf16-all') {
        // activations between kernels are rounded to bf16 too: close, not exact
        assert.equal(r.check.status, 'figures');
        assert.ok(r.check.cosine! > 0.999 && r.check.cosine! <= 1 + 1e-12, `cosine ${r.check.cosine}`);
      } else
        assert.equal(
          r.check.status,
          'pass',
          `${runtime} ${t.threads}T: ${r.check.detail ?? r.check.worstRatio}`,
        );
      assert.ok(latency(r)!.p90 >= latency(r)!.median);
      assert.ok(r.throughput!.itemsPerSecond > 0 && r.throughput!.safe);
      const c = t.cold.find((x) => x.runtime === runtime)!;
      assert.ok(c.coldMs > 0 && c.coldMs < 60_000);
      assert.ok(c.peakRssBytes > 10 * 2 ** 20 && c.peakRssBytes < 8 * 2 ** 30);
    }
    assert.equal(runOf(t.interleaved, 'onnxruntime-node')!.backend, 'native CPU');
    assert.match(runOf(t.interleaved, 'onnxruntime-web')!.backend, new RegExp(`^wasm, ${t.threads} thread`));
    assert.deepEqual(runOf(t.interleaved, 'neuron-cc')!.features.includes('simd128'), true);
    for (const peer of ['onnxruntime-node', 'onnxruntime-web'] as const) {
      const s = speedup(t, peer)!;
      assert.ok(s > 0 && Number.isFinite(s), `speed-up vs ${peer}: ${s}`);
    }
  }
  const two = tiny!.threads.find((t) => t.threads === 2)!;
  assert.equal(two.interleaved!.oneThread!.length, 3);
  assert.ok(nccScaling(two)! > 0);
  assert.ok(tiny!.threads.find((t) => t.threads === 1)!.interleaved!.layers!.length >= 1);
  const md = readFileSync(out, 'utf8');
  assert.match(md, /\| absent \| no folder .*absent \| `.*make-bench-models\.sh .* --only absent` \|/);
  assert.match(md, /^\| tiny \| 1 \| /m);
  // auto-cast beside float32: both NEFFs, the interleaved latency ratio, the issue 5 targets
  assert.ok(tiny!.compileCast!.neffBytes > 0 && tiny!.compileCast!.neffBytes < tiny!.compile!.neffBytes);
  assert.ok(castLatencyRatio(two)! > 0);
  assert.match(md, /## Targets \(issue 5, part 5: auto-cast\)/);
  assert.match(md, /Auto-cast matmult \(bf16 weights\) and all \(bf16 activations too\) beside float32/);
});

test('neuron-cc bench MODEL checks a user model against onnxruntime-node on random inputs', () => {
  const dir = benchDir();
  const model = join(dir, 'tiny/model.onnx');
  assert.ok(existsSync(model));
  const r = spawnSync(process.execPath, [MAIN, 'bench', model, '--threads', '1', '--runs', '2', '--quick'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1T pass vs onnxruntime-node \(err\/tol \d/);
  assert.match(r.stdout, /^model\.onnx\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+/m);
});
