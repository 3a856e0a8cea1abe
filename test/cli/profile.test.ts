import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../src/index.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import { load, type KernelTiming } from '../../src/runtime/index.js';
import { layersOf, renderProfile } from '../../src/cli/commands/profile.js';
import { attr, initializer, tempDir, writeModel } from '../helpers/onnx-builder.js';
import { writeFileSync } from 'node:fs';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const ramp = (n: number, scale: number): number[] =>
  Array.from({ length: n }, (_, i) => ((i % 7) - 3) * scale);

/** Conv [1,3,8,8] * [4,3,3,3] -> [1,4,6,6], Relu, then MatMul [24,6] x [6,5]: FLOPs known by hand. */
function model(): string {
  return writeModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]],
    outputs: [['y', 'float32', [1, 4, 6, 5]]],
    nodes: [
      {
        name: 'conv',
        op: 'Conv',
        inputs: ['x', 'w'],
        outputs: ['c'],
        attrs: { kernel_shape: attr.ints([3, 3]) },
      },
      { name: 'relu', op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { name: 'mm', op: 'MatMul', inputs: ['r', 'b'], outputs: ['y'] },
    ],
    initializers: [
      initializer('w', fromNumbers('float32', [4, 3, 3, 3], ramp(108, 0.1))),
      initializer('b', fromNumbers('float32', [6, 5], ramp(30, 0.2))),
    ],
  });
}

test('a NEFF carries its kernel table with the FLOPs of each conv and matmul', async () => {
  const { neff } = await compile(model());
  const m = await load(neff);
  try {
    const table = m.metadata.kernels ?? [];
    assert.ok(table.length >= 3);
    const flops = (node: string): number =>
      table.filter((k) => k.node === node).reduce((a, k) => a + k.flops, 0);
    assert.equal(flops('conv'), 2 * (4 * 6 * 6) * (3 * 3 * 3));
    assert.equal(flops('mm'), 2 * (4 * 6 * 5) * 6);
    assert.equal(flops('relu'), 0);
    const timings = await m.profile({ x: new Float32Array(ramp(192, 0.5)) }, { runs: 3 });
    assert.equal(timings.length, table.length);
    assert.ok(timings.every((t) => t.ms >= 0 && Number.isFinite(t.ms)));
    assert.deepEqual(
      layersOf(timings).map((l) => l.node),
      ['conv', 'relu', 'mm'].filter((n) => table.some((k) => k.node === n)),
    );
  } finally {
    m.dispose();
  }
});

test('profile() on a disposed model and with a bad run count fails with a code', async () => {
  const { neff } = await compile(model());
  const m = await load(neff);
  const feeds = { x: new Float32Array(192) };
  await assert.rejects(m.profile(feeds, { runs: 0 }), { code: 'NCC_BAD_OPTION' });
  m.dispose();
  await assert.rejects(m.profile(feeds), { code: 'NCC_BAD_INPUT' });
});

test('renderProfile sums layers, sorts by time and computes GFLOP/s', () => {
  const k = (node: string, op: string, flops: number, ms: number): KernelTiming => ({
    name: `${op}_k`,
    node,
    op,
    flops,
    ms,
  });
  const text = renderProfile(
    [k('a', 'Conv', 2e6, 0.5), k('a', 'Conv', 0, 0.5), k('b', 'Relu', 0, 0.25), k('c', 'MatMul', 1e6, 0.25)],
    10,
    ['simd128'],
  );
  const lines = text.split('\n');
  assert.match(lines[1]!, /^total 1\.50 ms, 0\.003 GFLOP .* 2\.0 GFLOP\/s overall$/);
  const layerRows = lines.slice(4, 7).map((l) => l.split(/\s+/).filter(Boolean));
  assert.deepEqual(
    layerRows.map((r) => [r[0], r[3], r[6]]),
    [
      ['a', '1.000', '2.0'],
      ['b', '0.250', undefined],
      ['c', '0.250', '4.0'],
    ],
  );
});

test('neuron-cc profile prints the slowest layers of a NEFF', async () => {
  const dir = tempDir();
  const { neff } = await compile(model());
  const file = join(dir, 'm.neff');
  writeFileSync(file, neff);
  const r = spawnSync(process.execPath, [MAIN, 'profile', file, '--runs', '2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // the conv keeps its node name whether or not epilogue fusion absorbed the Relu
  assert.match(r.stdout, /^conv\s+(Fused)?Conv\s+\d+/m);
  assert.match(r.stdout, /GFLOP\/s overall/);
  const bad = spawnSync(process.execPath, [MAIN, 'profile', file, '--runs', 'x'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /NCC_BAD_OPTION/);
});
