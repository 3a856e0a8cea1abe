/**
 * A TF.js graph model read from disk for TensorFlow.js itself (the bench's tfjs-wasm peer, and the
 * reference outputs of TF.js bench models and tests): model.json and its shards as an IOHandler.
 * TensorFlow.js is passed in, so neuron-cc does not depend on it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: object[] }[];
  format?: string;
  signature?: object;
}

/** What tf.io.IOHandler's load() resolves to (the fields TensorFlow.js reads for a graph model). */
export interface ModelArtifacts {
  modelTopology: object;
  weightSpecs: object[];
  weightData: ArrayBuffer;
  format?: string;
  signature?: object;
}

export function tfjsArtifacts(modelJson: string): ModelArtifacts {
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as ModelJson;
  const dir = dirname(modelJson);
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const bytes = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    ...(json.format ? { format: json.format } : {}),
    ...(json.signature ? { signature: json.signature } : {}),
  };
}
