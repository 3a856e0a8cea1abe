/**
 * TensorFlow.js graph models from an npm package (@vladmandic/human's bundled models: MIT package,
 * models from MediaPipe, MoveNet and others), compiled and run against TensorFlow.js itself (its
 * graph executor on the CPU backend) on seeded inputs. They cover float16-quantized weights,
 * grappler's fused ops, Prelu, int32 inputs, TopK/Gather post-processing; one with a while loop and
 * NMS must be refused naming them. A hand-made model.json checks uint8 quantization.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStaticModel } from '../../../src/driver/load-model.js';
import { isNccError } from '../../../src/errors.js';
import { fromNumbers, type Tensor } from '../../../src/ir/tensor.js';
import { parseIoConfig } from '../../../src/options/io-config.js';
import { ROOT } from '../../helpers/shared-models.js';
import { compareWithTfjs } from '../../helpers/tfjs-reference.js';

const MODELS = join(ROOT, 'node_modules/@vladmandic/human/models');
const COMPILED = [
  'blazeface',
  'emotion',
  'facemesh',
  'iris',
  'liveness',
  'antispoof',
  'faceres',
  'handlandmark-lite',
  'movenet-lightning',
  'centernet',
];

interface ModelJson {
  modelTopology: {
    node: {
      name: string;
      op: string;
      attr?: Record<string, { type?: string; shape?: { dim?: { size: string }[] } }>;
    }[];
  };
}

/** Seeded inputs for every Placeholder (unknown dims 1), and the --io-config pinning them. */
function inputsOf(file: string): { feeds: Map<string, Tensor>; io: string } {
  const json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  const feeds = new Map<string, Tensor>();
  const inputs: Record<string, [number[], string]> = {};
  let seed = 7;
  for (const p of json.modelTopology.node.filter((n) => n.op === 'Placeholder')) {
    const shape = (p.attr?.shape?.shape?.dim ?? []).map((d) => Math.max(1, Number(d.size)));
    const dtype = p.attr?.dtype?.type === 'DT_INT32' ? 'int32' : 'float32';
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return dtype === 'int32' ? seed % 256 : seed / 2147483648;
    });
    feeds.set(p.name, fromNumbers(dtype, shape, values));
    inputs[p.name] = [shape, dtype];
  }
  return { feeds, io: JSON.stringify({ inputs }) };
}

if (!existsSync(MODELS)) test('TF.js graph models', { skip: '@vladmandic/human is not installed' }, () => {});
else {
  for (const name of COMPILED)
    test(`TF.js graph model ${name} matches TensorFlow.js`, async () => {
      const file = join(MODELS, `${name}.json`);
      const { feeds, io } = inputsOf(file);
      await compareWithTfjs(file, feeds, io);
    });

  test('a TF.js model with a while loop is NCC_UNSUPPORTED_OP naming its ops (its NMS is mapped)', () => {
    const file = join(MODELS, 'handtrack.json');
    try {
      loadStaticModel(file, { ioConfig: parseIoConfig(inputsOf(file).io) });
      assert.fail('loaded');
    } catch (e) {
      assert.ok(isNccError(e), String(e));
      assert.equal(e.code, 'NCC_UNSUPPORTED_OP');
      for (const op of ['Enter', 'Exit', 'Switch', 'Merge', 'NextIteration', 'TensorListStack'])
        assert.match(e.message, new RegExp(`\\b${op} \\(`), op);
      assert.doesNotMatch(e.message, /NonMaxSuppressionV5/);
    }
  });
}

test('uint8-quantized weights (min + q * scale) and a missing shard', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-tfjs-'));
  try {
    const q = [0, 17, 128, 200, 255, 3];
    const [min, scale] = [-0.5, 0.01];
    const modelJson = {
      format: 'graph-model',
      modelTopology: {
        node: [
          {
            name: 'x',
            op: 'Placeholder',
            attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '2' }, { size: '3' }] } } },
          },
          {
            name: 'w',
            op: 'Const',
            attr: {
              dtype: { type: 'DT_FLOAT' },
              value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '2' }] } } },
            },
          },
          {
            name: 'y',
            op: 'MatMul',
            input: ['x', 'w'],
            attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } },
          },
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'w', shape: [3, 2], dtype: 'float32', quantization: { dtype: 'uint8', min, scale } },
          ],
        },
      ],
    };
    const file = join(dir, 'model.json');
    writeFileSync(file, JSON.stringify(modelJson));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), Uint8Array.from(q));
    const feeds = new Map([['x', fromNumbers('float32', [2, 3], [1, 2, 3, -1, 0.5, 4])]]);
    await compareWithTfjs(file, feeds, JSON.stringify({ inputs: { x: [[2, 3], 'float32'] } }));
    rmSync(join(dir, 'group1-shard1of1.bin'));
    try {
      loadStaticModel(file);
      assert.fail('loaded');
    } catch (e) {
      assert.ok(isNccError(e), String(e));
      assert.equal(e.code, 'NCC_FILE_NOT_FOUND');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
