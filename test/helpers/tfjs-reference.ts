/**
 * TensorFlow.js itself (its converter's graph executor on the pure-JS CPU backend) as the oracle for
 * TF.js graph models: it loads model.json and its shards from disk and runs them on given inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import assert from 'node:assert/strict';
import { compileModel } from '../../src/driver/compile.js';
import { loadStaticModel } from '../../src/driver/load-model.js';
import { tfjsArtifacts } from '../../src/bench/tfjs-model.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { load } from '../../src/runtime/index.js';

export async function tfjsOutputs(
  modelJson: string,
  inputs: ReadonlyMap<string, Tensor>,
  outputs: readonly string[],
): Promise<Map<string, Float32Array | Int32Array>> {
  await tf.setBackend('cpu');
  const handler: tf.io.IOHandler = { load: async () => tfjsArtifacts(modelJson) as tf.io.ModelArtifacts };
  const model = await loadGraphModel(handler);
  const feeds: Record<string, tf.Tensor> = {};
  for (const [name, t] of inputs) {
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    feeds[name] = tf.tensor(Array.from(t.data as ArrayLike<number>), [...t.shape], dtype);
  }
  const result = (await model.executeAsync(feeds, [...outputs])) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(result) ? result : [result];
  const out = new Map<string, Float32Array | Int32Array>();
  list.forEach((t, i) => out.set(outputs[i]!, t.dataSync() as Float32Array | Int32Array));
  tf.dispose([...list, ...Object.values(feeds)]);
  model.dispose();
  return out;
}

/**
 * Compiles a TF.js graph model, runs it on `feeds` and checks every output against TensorFlow.js:
 * each value within 1e-4 of the output's largest magnitude (at least 1e-4).
 */
export async function compareWithTfjs(file: string, feeds: Map<string, Tensor>, io: string): Promise<void> {
  const ioConfig = parseIoConfig(io);
  const outputs = loadStaticModel(file, { ioConfig }).graph.outputs.map((o) => o.name);
  const { neff } = compileModel(file, { ioConfig });
  const model = await load(neff, { threads: 1 });
  try {
    const ours = await model.run(Object.fromEntries([...feeds].map(([k, t]) => [k, t.data])));
    const reference = await tfjsOutputs(file, feeds, outputs);
    for (const name of outputs) {
      const a = ours[name] as ArrayLike<number>;
      const b = reference.get(name)!;
      assert.equal(a.length, b.length, `${name}: ${a.length} values, TF.js gives ${b.length}`);
      let scale = 0;
      for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
      const tolerance = 1e-4 * Math.max(1, scale);
      for (let i = 0; i < b.length; i++)
        assert.ok(
          Math.abs(a[i]! - b[i]!) <= tolerance,
          `${name}[${i}]: ${a[i]} vs TF.js ${b[i]} (tolerance ${tolerance})`,
        );
    }
  } finally {
    model.dispose();
  }
}
