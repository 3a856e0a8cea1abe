/**
 * Partitioning: models with parts that cannot be compiled (NMS with a data-dependent output, If and
 * Loop) compile with --partition into a .neuron.onnx whose compiled segments (NeuronOp nodes
 * carrying NEFFs) run on the NEFF runtime and whose other nodes run on the fallback interpreter,
 * matching the references stored with the models; excluded ops and nodes force splits in an
 * ordinary model that still matches; the segments never form a cycle with the host; the written
 * ONNX re-imports and verifies.
 */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { compilePartitioned, type PartitionCompileOptions } from '../../src/driver/partition.js';
import { loadModel } from '../../src/driver/load-model.js';
import { importOnnxBytes } from '../../src/frontends/onnx/import.js';
import { verifyGraph } from '../../src/ir/verify.js';
import type { Graph } from '../../src/ir/graph.js';
import { readNeff } from '../../src/neff/reader.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { partitionGraph } from '../../src/passes/partition.js';
import { loadPartitioned } from '../../src/partitioned/runtime.js';
import type { TypedArray } from '../../src/runtime/feeds.js';
import { buildModel, writeModel } from '../helpers/onnx-builder.js';
import { allclose, sharedModels, type SharedModel } from '../helpers/shared-models.js';

const onnx = new Map(sharedModels('onnx').map((m) => [m.folder, m]));

function model(folder: string): SharedModel {
  const m = onnx.get(folder);
  assert.ok(m, `../shared/models/onnx/${folder} is missing`);
  return m;
}

/** Compiles with --partition, runs every case of the folder on the partitioned runner. */
async function expectPartitionedMatches(folder: string, options: PartitionCompileOptions = {}) {
  const m = model(folder);
  const cases = m.cases();
  const result = compilePartitioned(m.file, {
    ...options,
    ioConfig: parseIoConfig(JSON.stringify(cases[0]!.ioConfig)),
  });
  const runner = await loadPartitioned(result.onnx, { threads: 1 });
  try {
    for (const c of cases) {
      const feeds = Object.fromEntries(
        [...c.inputs].map(([k, t]) => [k, { data: t.data as TypedArray, shape: t.shape }]),
      );
      const out = await runner.run(feeds);
      for (const [name, expected] of c.outputs) {
        const actual = out[name];
        assert.ok(actual, `output ${name} of case ${c.name}`);
        const diff = allclose(actual as never, expected, m.tolerance!.atol, m.tolerance!.rtol);
        assert.equal(diff, undefined, `${folder} case ${c.name} output ${name}: ${diff}`);
      }
    }
  } finally {
    runner.dispose();
  }
  return result;
}

test('detector_nms: the backbone compiles, NonMaxSuppression and what depends on its size stay on the host', async () => {
  const r = await expectPartitionedMatches('detector_nms');
  assert.equal(r.summary.segments.length, 1);
  assert.ok(r.summary.host.some((h) => h.op === 'NonMaxSuppression'));
  assert.equal(r.summary.compiledFlops, r.summary.flops, 'every conv FLOP is compiled');
  assert.ok(r.summary.compiledOps / r.summary.ops > 0.8);
});

test('control_flow: If and Loop on the host, the stem, both branches, the loop body and the head compiled', async () => {
  // three cases: then branch with 3 iterations, else branch with 5, no iteration at all
  const r = await expectPartitionedMatches('control_flow');
  assert.deepEqual(r.summary.host.map((h) => h.op).sort(), ['If', 'Loop']);
  assert.ok(r.summary.segments.length >= 5, `${r.summary.segments.length} segments`);
  // the NeuronOp nodes inside the subgraphs carry NEFFs too
  const nested = r.graph.nodes
    .filter((n) => n.op === 'If' || n.op === 'Loop')
    .flatMap((n) => Object.values(n.attrs).flatMap((a) => (a.kind === 'graph' ? a.value.nodes : [])))
    .filter((n) => n.op === 'NeuronOp');
  assert.ok(nested.length >= 3, `${nested.length} NeuronOp nodes in the subgraphs`);
});

test('--exclude-ops and --exclude-nodes split an ordinary model, which still matches', async () => {
  const base = loadModel(model('mobilenet_v2').file).graph;
  const conv = base.nodes.find((n) => n.op === 'Conv' && n.name.includes('features.5'))!;
  const r = await expectPartitionedMatches('mobilenet_v2', {
    excludeOps: ['Add'],
    excludeNodes: [conv.name],
  });
  assert.ok(r.summary.segments.length > 5, `${r.summary.segments.length} segments`);
  const why = new Map(r.summary.host.map((h) => [h.node, h.why]));
  assert.equal(why.get(conv.name), 'excluded by --exclude-nodes');
  assert.ok(r.summary.host.filter((h) => h.op === 'Add').every((h) => h.why === 'excluded by --exclude-ops'));
});

test('--min-segment-size above every segment leaves the whole model on the host, still correct', async () => {
  const r = await expectPartitionedMatches('mlp_tiny', { minSegmentSize: 1000 });
  assert.equal(r.summary.segments.length, 0);
  assert.ok(r.summary.host.every((h) => /below --min-segment-size 1000/.test(h.why)));
});

test('the .neuron.onnx re-imports, verifies, and every NeuronOp carries a valid NEFF with its boundary I/O', () => {
  const r = compilePartitioned(model('detector_nms').file, {
    ioConfig: parseIoConfig('{"inputs": {"image": [[1,3,128,128], "float32"]}}'),
  });
  const back = importOnnxBytes(r.onnx, { path: 'x.neuron.onnx', baseDir: '.' });
  verifyGraph(back.graph);
  const ops = back.graph.nodes.filter((n) => n.domain === 'ai.neuron' && n.op === 'NeuronOp');
  assert.equal(ops.length, 1);
  const neff = ops[0]!.attrs.neff;
  assert.equal(neff?.kind, 'tensor');
  const meta = readNeff((neff as { value: { data: Uint8Array } }).value.data).contents.metadata;
  assert.deepEqual(
    meta.inputs.map((i) => i.name),
    ops[0]!.inputs,
  );
  assert.deepEqual(
    meta.outputs.map((o) => o.name),
    ops[0]!.outputs,
  );
  // the host nodes are the original ones
  for (const op of ['NonMaxSuppression', 'Gather', 'Squeeze'])
    assert.ok(
      back.graph.nodes.some((n) => n.op === op),
      op,
    );
});

test('segments never close a cycle through the host', () => {
  // a -> host -> c and a -> c: c may not join a's segment (it would run both before and after host)
  const file = writeModel(
    buildModel({
      inputs: [['x', 'float32', [2, 3]]],
      outputs: [['y', 'float32', [2, 3]]],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'a' },
        { op: 'Sigmoid', inputs: ['a'], outputs: ['h'], name: 'host' },
        { op: 'Add', inputs: ['a', 'h'], outputs: ['y'], name: 'c' },
      ],
    }),
  );
  const g: Graph = loadModel(file).graph;
  const p = partitionGraph(
    g,
    { minSegmentSize: 1, excludeNodes: new Set(['host']), excludeOps: new Set() },
    () => undefined,
  );
  assert.deepEqual(
    p.segments.map((s) => s.nodes.map((n) => n.name)),
    [['a'], ['c']],
  );
  assert.deepEqual(p.segments[1]!.inputs, ['a', 'h']);
});

test('partitioning names what it refuses: unknown nodes to exclude, a bad minimum', () => {
  const file = model('mlp_tiny').file;
  assert.throws(
    () => compilePartitioned(file, { excludeNodes: ['no_such_node'] }),
    /NCC_BAD_OPTION|no_such_node/,
  );
  assert.throws(() => compilePartitioned(file, { minSegmentSize: 0 }), /min-segment-size/);
});

/** A non-ONNX model partitioned with an op excluded, against the outputs stored with it. */
async function expectOtherFramework(set: string, folder: string, options: PartitionCompileOptions) {
  const m = sharedModels(set).find((x) => x.folder === folder);
  assert.ok(m, `../shared/models/${set}/${folder} is missing`);
  const c = m.cases()[0]!;
  const r = compilePartitioned(m.file, { ...options, ioConfig: parseIoConfig(JSON.stringify(c.ioConfig)) });
  assert.ok(r.summary.segments.length >= 2, `${r.summary.segments.length} segments`);
  const runner = await loadPartitioned(r.onnx, { threads: 1 });
  try {
    const out = await runner.run(
      Object.fromEntries([...c.inputs].map(([k, t]) => [k, { data: t.data as TypedArray, shape: t.shape }])),
    );
    for (const [name, expected] of c.outputs) {
      const diff = allclose(out[name] as never, expected, m.tolerance!.atol, m.tolerance!.rtol);
      assert.equal(diff, undefined, `${set}/${folder} ${name}: ${diff}`);
    }
  } finally {
    runner.dispose();
  }
}

test('TorchScript and MXNet models partition to the same .neuron.onnx form', async () => {
  await expectOtherFramework('torchscript', 'mobilenet_v2', { excludeOps: ['Add'] });
  const mx = sharedModels('mxnet').find((x) => x.folder === 'mobileface_v3')!;
  const meta = JSON.parse(readFileSync(join(mx.dir, 'meta.json'), 'utf8')) as { files: string[] };
  await expectOtherFramework('mxnet', 'mobileface_v3', {
    excludeOps: ['Add'],
    params: join(mx.dir, meta.files[1]!),
  });
});
