import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModel } from '../../src/driver/compile.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { tileCandidates } from '../../src/backend/lower/linalg/gemm-tile.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import { load } from '../../src/runtime/index.js';
import { attr, initializer, writeModel } from '../helpers/onnx-builder.js';

/** --tune: tiles are timed on this machine per GEMM, the outputs stay those of the untuned model. */
const values = (n: number, seed: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5);

function model(): string {
  return writeModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 8, 12, 12]]],
    outputs: [['y', 'float32', [1, 24]]],
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'w', 'b'],
        outputs: ['c'],
        attrs: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) },
      },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'MatMul', inputs: ['f', 'm'], outputs: ['y'] },
    ],
    initializers: [
      initializer('w', fromNumbers('float32', [16, 8, 3, 3], values(16 * 8 * 9, 1))),
      initializer('b', fromNumbers('float32', [16], values(16, 2))),
      initializer('m', fromNumbers('float32', [16, 24], values(16 * 24, 3))),
    ],
  });
}

test('--tune times every GEMM shape, takes a candidate tile, and computes the same outputs', async () => {
  const file = model();
  const ioConfig = parseIoConfig('{"inputs": {"x": [[1, 8, 12, 12], "float32"]}}');
  const plain = compileModel(file, { ioConfig });
  const tuned = compileModel(file, { ioConfig, tune: true });
  assert.equal(plain.summary.tuned, undefined);
  const shapes = tuned.summary.tuned!;
  assert.ok(shapes.length >= 2, `tuned ${shapes.length} shapes`);
  const candidates = tileCandidates().map((t) => `${t.mr}x${t.nr}`);
  for (const s of shapes) {
    assert.ok(candidates.includes(`${s.tile.mr}x${s.tile.nr}`), `tile ${s.tile.mr}x${s.tile.nr}`);
    assert.ok(s.ms > 0 && s.modelMs > 0 && s.ms <= s.modelMs, `${s.ms} vs ${s.modelMs}`);
  }
  const x = Float32Array.from(values(8 * 12 * 12, 4));
  const run = async (neff: Uint8Array): Promise<Float32Array> => {
    const m = await load(neff, { threads: 1 });
    try {
      return (await m.run({ x })).y as Float32Array;
    } finally {
      m.dispose();
    }
  };
  const [a, b] = [await run(plain.neff), await run(tuned.neff)];
  // another tile sums in another order: equal to rounding
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * (1 + Math.abs(a[i]!)), `y[${i}]`);
});
