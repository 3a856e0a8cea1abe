/**
 * A TF.js graph model (and the same model as a frozen GraphDef) partitioned into a TF.js graph
 * model: the convolution and arithmetic before
 * NonMaxSuppression compile into one NeuronOp node, NMS and the Gather after it stay TF.js nodes.
 * Loaded by the real @tensorflow/tfjs with registerNeuronOps(tf), it must give what the original
 * model gives under TensorFlow.js, under the original output names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { partitionTfjsModel } from '../../src/driver/partition-tfjs.js';
import { tfjsArtifacts } from '../../src/bench/tfjs-model.js';
import { readTfjsGraph } from '../../src/frontends/tensorflow/tfjs.js';
import { tfType } from '../../src/frontends/tensorflow/tf-proto.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { registerNeuronOps, type TfjsApi } from '../../src/tfjs/register.js';
import { sharedModels } from '../helpers/shared-models.js';

const F = { type: 'DT_FLOAT' };
const I32 = { type: 'DT_INT32' };

/** The model: image -> conv -> relu -> per-pixel boxes and scores -> NMS -> the kept boxes. */
function writeOriginal(dir: string): string {
  const consts: [string, number[], number[], 'f' | 'i'][] = [
    ['filter', [1, 1, 3, 5], Array.from({ length: 15 }, (_, i) => ((i * 7) % 11) / 11 - 0.3), 'f'],
    ['boxshape', [2], [16, 4], 'i'],
    ['scoreshape', [1], [16], 'i'],
    ['scale', [], [20], 'f'],
    ['max', [], [6], 'i'],
    ['iou', [], [0.3], 'f'],
    ['thr', [], [0.05], 'f'],
    ['axis0', [], [0], 'i'],
    ['begin', [4], [0, 0, 0, 0], 'i'],
    ['size4', [4], [1, 4, 4, 4], 'i'],
    ['size1', [4], [1, 4, 4, 1], 'i'],
    ['begin4', [4], [0, 0, 0, 4], 'i'],
  ];
  const node = (name: string, op: string, input: string[], attr: Record<string, unknown> = { T: F }) => ({
    name,
    op,
    input,
    attr,
  });
  const nodes = [
    {
      name: 'image',
      op: 'Placeholder',
      attr: { dtype: F, shape: { shape: { dim: [1, 4, 4, 3].map((d) => ({ size: String(d) })) } } },
    },
    ...consts.map(([name, , , t]) => ({
      name,
      op: 'Const',
      attr: { dtype: t === 'i' ? I32 : F, value: { tensor: { dtype: t === 'i' ? 'DT_INT32' : 'DT_FLOAT' } } },
    })),
    node('conv', 'Conv2D', ['image', 'filter'], {
      T: F,
      strides: { list: { i: ['1', '1', '1', '1'] } },
      padding: { s: Buffer.from('SAME').toString('base64') },
      data_format: { s: Buffer.from('NHWC').toString('base64') },
      dilations: { list: { i: ['1', '1', '1', '1'] } },
    }),
    node('relu', 'Relu', ['conv']),
    node('boxpart', 'Slice', ['relu', 'begin', 'size4'], { T: F, Index: I32 }),
    node('scorepart', 'Slice', ['relu', 'begin4', 'size1'], { T: F, Index: I32 }),
    node('boxes', 'Reshape', ['boxpart', 'boxshape'], { T: F, Tshape: I32 }),
    node('scaled', 'Mul', ['boxes', 'scale']),
    node('scores', 'Reshape', ['scorepart', 'scoreshape'], { T: F, Tshape: I32 }),
    node('nms', 'NonMaxSuppressionV3', ['scaled', 'scores', 'max', 'iou', 'thr']),
    node('kept', 'GatherV2', ['scaled', 'nms', 'axis0'], {
      Tparams: F,
      Tindices: I32,
      Taxis: I32,
      batch_dims: { i: '0' },
    }),
  ];
  const weights = consts.map(([name, shape, , t]) => ({
    name,
    shape,
    dtype: t === 'i' ? 'int32' : 'float32',
  }));
  const bytes = consts.map(([, , values, t]) =>
    Buffer.from((t === 'i' ? Int32Array.from(values) : Float32Array.from(values)).buffer),
  );
  const model = {
    format: 'graph-model',
    modelTopology: { node: nodes, versions: { producer: 1 } },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
    signature: { outputs: { kept: { name: 'kept:0' }, scores: { name: 'scores:0' } } },
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(bytes));
  return join(dir, 'model.json');
}

async function run(file: string, image: tf.Tensor): Promise<Float32Array[]> {
  const model = await tf.loadGraphModel({ load: async () => tfjsArtifacts(file) as tf.io.ModelArtifacts });
  const out = (await model.executeAsync({ image }, ['kept', 'scores'])) as tf.Tensor[];
  const data = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(out);
  model.dispose();
  return data;
}

/**
 * The partitioned model (its NeuronOp on neuron-cc, via registerNeuronOps) against the original
 * under TensorFlow.js, on an image made by `wave`; returns the original's outputs.
 */
async function expectSameOutputs(
  original: string,
  partitioned: string,
  wave: (x: number) => number,
): Promise<Float32Array[]> {
  registerNeuronOps(tf as unknown as TfjsApi, { threads: 1 });
  const image = tf.tensor(
    Array.from({ length: 48 }, (_, i) => wave(i) * 2),
    [1, 4, 4, 3],
  );
  const [want, ours] = [await run(original, image), await run(partitioned, image)];
  image.dispose();
  for (const k of [0, 1]) {
    assert.equal(ours[k]!.length, want[k]!.length, `output ${k} size`);
    want[k]!.forEach((v, i) =>
      assert.ok(
        Math.abs(ours[k]![i]! - v) <= 1e-4 * Math.max(1, Math.abs(v)),
        `output ${k}[${i}]: ${ours[k]![i]} vs ${v}`,
      ),
    );
  }
  return want;
}

test('a partitioned TF.js model runs under @tensorflow/tfjs with registerNeuronOps and matches the original', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ncc-tfjs-part-'));
  try {
    const original = writeOriginal(dir);
    const outDir = join(dir, 'partitioned');
    const summary = partitionTfjsModel(original, outDir, {
      ioConfig: parseIoConfig('{"inputs": {"image": [[1,4,4,3], "float32"]}}'),
    });
    assert.deepEqual(
      summary.hostNodes.map((h) => h.op),
      ['NonMaxSuppressionV3', 'GatherV2'],
    );
    assert.ok(summary.compiledNodes >= 7, `${summary.compiledNodes} nodes compiled`);
    const written = JSON.parse(readFileSync(join(outDir, 'model.json'), 'utf8')) as {
      modelTopology: { node: { op: string }[] };
    };
    const ops = written.modelTopology.node.map((n) => n.op);
    assert.ok(ops.includes('NeuronOp'));
    assert.ok(!ops.includes('Conv2D'), 'the convolution is compiled');
    const want = await expectSameOutputs(original, join(outDir, 'model.json'), Math.sin);
    assert.ok(want[0]!.length > 0 && want[0]!.length <= 24, 'NMS kept some boxes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The same model as a frozen GraphDef (.pb): constants inline, as tf.io.write_graph writes them. */
function writeGraphDef(dir: string, modelJson: string): string {
  const { nodes, weights } = readTfjsGraph(modelJson);
  const node = nodes.map((n) => {
    const value = weights.get(n.name);
    if (n.op !== 'Const' || !value) return n;
    const bytes = new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength);
    const tensorProto = {
      dtype: value.dtype === 'int32' ? 3 : 1,
      tensor_shape: { dim: value.shape.map((size) => ({ size })) },
      tensor_content: bytes,
    };
    return { ...n, attr: { ...n.attr, value: { tensor: tensorProto } } };
  });
  const type = tfType('GraphDef');
  const file = join(dir, 'frozen.pb');
  writeFileSync(file, type.encode(type.fromObject({ node, versions: { producer: 1 } })).finish());
  return file;
}

test('a frozen GraphDef partitions into a TF.js graph model that matches the TF.js original', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ncc-pb-part-'));
  try {
    const original = writeOriginal(dir);
    const pb = writeGraphDef(dir, original);
    const outDir = join(dir, 'from-pb');
    const summary = partitionTfjsModel(pb, outDir, {
      ioConfig: parseIoConfig('{"inputs": {"image": [[1,4,4,3], "float32"]}}'),
    });
    assert.deepEqual(
      summary.hostNodes.map((h) => h.op),
      ['NonMaxSuppressionV3', 'GatherV2'],
    );
    await expectSameOutputs(original, join(outDir, 'model.json'), Math.cos);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a SavedModel partitions into a TF.js graph model (here compiled whole) that gives its reference', async () => {
  await tf.setBackend('cpu');
  const m = sharedModels('tf').find((x) => x.folder === 'serving_half_plus_two_tf2');
  assert.ok(m, '../shared/models/tf/serving_half_plus_two_tf2 is missing');
  const dir = mkdtempSync(join(tmpdir(), 'ncc-sm-part-'));
  try {
    const c = m.cases()[0]!;
    const summary = partitionTfjsModel(m.file, dir, { ioConfig: parseIoConfig(JSON.stringify(c.ioConfig)) });
    assert.equal(summary.hostNodes.length, 0);
    registerNeuronOps(tf as unknown as TfjsApi, { threads: 1 });
    const model = await tf.loadGraphModel({
      load: async () => tfjsArtifacts(join(dir, 'model.json')) as tf.io.ModelArtifacts,
    });
    const x = c.inputs.get('x')!;
    const y = (await model.executeAsync(
      { x: tf.tensor(x.data as Float32Array, [...x.shape]) },
      'y',
    )) as tf.Tensor;
    const want = c.outputs.get('y')!;
    assert.deepEqual(Array.from((await y.data()) as Float32Array), Array.from(want.data as Float32Array));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
