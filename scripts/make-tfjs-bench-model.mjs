#!/usr/bin/env node
/**
 * Puts a MobileNetV2-class TF.js graph model into the bench model folder, in the layout of
 * ../shared/scripts/make-bench-models.sh: DIR/handlandmark_lite_tfjs/ with model.json and its shard
 * (MediaPipe's hand landmark model as @vladmandic/human ships it, a dev dependency: depthwise
 * convs, Relu6, 224x224x3), a seeded input, the outputs TensorFlow.js itself computes for it (CPU
 * backend), and meta.json. Needs `npm run build` (it reads the NPY writer from dist/).
 *
 * usage: node scripts/make-tfjs-bench-model.mjs DIR
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = 'handlandmark_lite_tfjs';
const SOURCE = 'node_modules/@vladmandic/human/models/handlandmark-lite';
const INPUT = { name: 'input_1', shape: [1, 224, 224, 3] };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/make-tfjs-bench-model.mjs DIR');
  process.exit(2);
}
if (!existsSync(join(root, 'dist/src/io/npy.js'))) {
  console.error('run `npm run build` first (this script uses dist/)');
  process.exit(1);
}
const { writeNpy } = await import(join(root, 'dist/src/io/npy.js'));
const { tfjsArtifacts } = await import(join(root, 'dist/src/bench/tfjs-model.js'));
const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-cpu');
const { loadGraphModel } = await import('@tensorflow/tfjs-converter');

const folder = join(resolve(outDir), NAME);
mkdirSync(join(folder, 'inputs'), { recursive: true });
mkdirSync(join(folder, 'outputs'), { recursive: true });
const source = join(root, SOURCE);
const json = JSON.parse(readFileSync(`${source}.json`, 'utf8'));
writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
for (const group of json.weightsManifest)
  for (const p of group.paths) copyFileSync(join(dirname(source), p), join(folder, p));

// seeded values in [0, 1), as a normalized image crop
let seed = 1234;
const count = INPUT.shape.reduce((a, b) => a * b, 1);
const data = new Float32Array(count);
for (let i = 0; i < count; i++) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  data[i] = seed / 2147483648;
}
writeFileSync(
  join(folder, 'inputs', `${INPUT.name}.npy`),
  writeNpy({ dtype: 'float32', shape: INPUT.shape, data }),
);

await tf.setBackend('cpu');
const model = await loadGraphModel({ load: async () => tfjsArtifacts(join(folder, 'model.json')) });
const names = model.outputNodes.map((n) => n.replace(/:0$/, ''));
const results = await model.executeAsync(
  { [INPUT.name]: tf.tensor(data, INPUT.shape, 'float32') },
  model.outputNodes,
);
const outputs = {};
for (const [i, t] of (Array.isArray(results) ? results : [results]).entries()) {
  const file = `outputs/${names[i]}.npy`;
  writeFileSync(
    join(folder, file),
    writeNpy({ dtype: 'float32', shape: t.shape, data: Float32Array.from(await t.data()) }),
  );
  outputs[names[i]] = file;
}
const meta = {
  framework: 'tensorflow',
  files: ['model.json'],
  io_config: { inputs: { [INPUT.name]: [INPUT.shape, 'float32'] } },
  inputs: { [INPUT.name]: `inputs/${INPUT.name}.npy` },
  outputs,
  tolerance: { atol: 1e-3, rtol: 1e-3 },
  reference: `TensorFlow.js ${tf.version_core} CPU backend (@tensorflow/tfjs-converter loadGraphModel)`,
  source: '@vladmandic/human models/handlandmark-lite (MediaPipe hand landmark, lite), MIT package',
};
writeFileSync(join(folder, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
console.log(`wrote ${folder} (outputs: ${names.join(', ')})`);
