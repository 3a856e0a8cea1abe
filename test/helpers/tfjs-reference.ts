/**
 * TensorFlow.js itself (its converter's graph executor on the pure-JS CPU backend) as the oracle for
 * TF.js graph models: it loads model.json and its shards from disk and runs them on given inputs.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { Tensor } from '../../src/ir/tensor.js';

export async function tfjsOutputs(
  modelJson: string,
  inputs: ReadonlyMap<string, Tensor>,
  outputs: readonly string[],
): Promise<Map<string, Float32Array | Int32Array>> {
  await tf.setBackend('cpu');
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: object;
  };
  const dir = dirname(modelJson);
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData,
      ...(json.format ? { format: json.format } : {}),
      ...(json.signature ? { signature: json.signature } : {}),
    }),
  };
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
