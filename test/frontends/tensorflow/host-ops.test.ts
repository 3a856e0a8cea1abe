/**
 * TensorFlow's host ops (NonMaxSuppressionV3/V4/V5, one-input Where), whose output sizes depend on
 * the data, partitioned: the boxes' decoding compiles, the selection runs on the host, and the
 * result must equal TensorFlow.js's own (its graph executor runs these ops asynchronously).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePartitioned } from '../../../src/driver/partition.js';
import { fromNumbers, type Tensor } from '../../../src/ir/tensor.js';
import { parseIoConfig } from '../../../src/options/io-config.js';
import { loadPartitioned } from '../../../src/partitioned/runtime.js';
import type { TypedArray } from '../../../src/runtime/feeds.js';
import { tfjsOutputs } from '../../helpers/tfjs-reference.js';

type Attr = Record<string, unknown>;
const F = { type: 'DT_FLOAT' };
const I32 = { type: 'DT_INT32' };

function placeholder(name: string, shape: number[]): Attr {
  return {
    name,
    op: 'Placeholder',
    attr: { dtype: F, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } },
  };
}

/** A TF.js graph model: float placeholders, constants (float or int32) and the given nodes. */
function writeModel(
  dir: string,
  inputs: Record<string, number[]>,
  consts: Record<string, [number[], 'f' | 'i']>,
  nodes: Attr[],
): string {
  const weights = Object.entries(consts).map(([name, [values, t]]) => ({
    name,
    shape: values.length === 1 ? [] : [values.length],
    dtype: t === 'i' ? 'int32' : 'float32',
  }));
  const bytes = Object.values(consts).map(([values, t]) =>
    Buffer.from((t === 'i' ? Int32Array.from(values) : Float32Array.from(values)).buffer),
  );
  const constNodes = Object.entries(consts).map(([name, [, t]]) => ({
    name,
    op: 'Const',
    attr: { dtype: t === 'i' ? I32 : F, value: { tensor: { dtype: t === 'i' ? 'DT_INT32' : 'DT_FLOAT' } } },
  }));
  const model = {
    format: 'graph-model',
    modelTopology: {
      node: [...Object.entries(inputs).map(([n, s]) => placeholder(n, s)), ...constNodes, ...nodes],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(bytes));
  return join(dir, 'model.json');
}

/** Overlapping boxes in clusters, so that suppression has work to do. */
function scene(n: number): { boxes: Tensor; scores: Tensor } {
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const cluster = i % 5;
    const y = cluster * 20 + ((i * 7) % 5);
    const x = cluster * 15 + ((i * 3) % 4);
    b.push(y, x, y + 18 + (i % 3), x + 16 + (i % 4));
    s.push(((i * 37) % 101) / 101);
  }
  return { boxes: fromNumbers('float32', [n, 4], b), scores: fromNumbers('float32', [n], s) };
}

/** Our outputs (all of `io`'s) against TF.js's for `compared`; returns ours. */
async function expectMatch(
  file: string,
  feeds: Map<string, Tensor>,
  io: string,
  compared: string[],
): Promise<Record<string, { data: ArrayLike<number | bigint> }>> {
  const r = compilePartitioned(file, { ioConfig: parseIoConfig(io) });
  assert.ok(r.summary.host.length > 0, 'something runs on the host');
  const runner = await loadPartitioned(r.onnx, { threads: 1 });
  try {
    const ours = await runner.run(
      Object.fromEntries([...feeds].map(([k, t]) => [k, { data: t.data as TypedArray, shape: t.shape }])),
    );
    const theirs = await tfjsOutputs(file, feeds, compared);
    for (const name of compared) {
      const a = Array.from(ours[name]!.data as ArrayLike<number | bigint>, Number);
      const b = Array.from(theirs.get(name)!);
      assert.equal(a.length, b.length, `${name}: ${a.length} values, TF.js gives ${b.length}`);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-5, `${name}[${i}]: ${v} vs TF.js ${b[i]}`));
    }
    return ours;
  } finally {
    runner.dispose();
  }
}

test('NonMaxSuppressionV3/V5 partitioned match TensorFlow.js', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-tf-nms-'));
  try {
    const { boxes, scores } = scene(40);
    const consts: Record<string, [number[], 'f' | 'i']> = {
      max: [[12], 'i'],
      iou: [[0.4], 'f'],
      thr: [[0.2], 'f'],
      sigma: [[0], 'f'],
    };
    const file = writeModel(
      dir,
      { boxes: [40, 4], scores: [40] },
      consts,
      [
        // a compiled part before the selection: the boxes shifted and the scores squared
        { name: 'shift', op: 'Const', attr: { dtype: F, value: { tensor: { dtype: 'DT_FLOAT' } } } },
        { name: 'moved', op: 'AddV2', input: ['boxes', 'iou'], attr: { T: F } },
        { name: 'sq', op: 'Mul', input: ['scores', 'scores'], attr: { T: F } },
        {
          name: 'v3',
          op: 'NonMaxSuppressionV3',
          input: ['moved', 'sq', 'max', 'iou', 'thr'],
          attr: { T: F },
        },
        {
          name: 'v5',
          op: 'NonMaxSuppressionV5',
          input: ['moved', 'scores', 'max', 'iou', 'thr', 'sigma'],
          attr: { T: F },
        },
      ].filter((n) => n.name !== 'shift'),
    );
    const feeds = new Map([
      ['boxes', boxes],
      ['scores', scores],
    ]);
    const io = JSON.stringify({
      inputs: { boxes: [[40, 4], 'float32'], scores: [[40], 'float32'] },
      outputs: ['v3', 'v5', 'v5:1', 'v5:2'],
    });
    // TF.js's executor leaves out V5's third output (valid_outputs): it is checked against the count
    const ours = await expectMatch(file, feeds, io, ['v3', 'v5', 'v5:1']);
    assert.deepEqual(Array.from(ours['v5:2']!.data as ArrayLike<number>), [ours.v5!.data.length]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one-input Where (the coordinates of the true elements) partitioned matches TensorFlow.js', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-tf-where-'));
  try {
    const file = writeModel(dir, { x: [3, 4] }, { zero: [[0], 'f'] }, [
      { name: 'pos', op: 'Greater', input: ['x', 'zero'], attr: { T: F } },
      { name: 'where', op: 'Where', input: ['pos'], attr: { T: { type: 'DT_BOOL' } } },
    ]);
    const x = fromNumbers('float32', [3, 4], [1, -2, 3, 0, -1, 5, -6, 7, 0.5, -0.5, 2, -3]);
    await expectMatch(
      file,
      new Map([['x', x]]),
      JSON.stringify({ inputs: { x: [[3, 4], 'float32'] }, outputs: ['where'] }),
      ['where'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
