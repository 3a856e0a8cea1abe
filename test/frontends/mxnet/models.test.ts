/**
 * The real MXNet checkpoints of ../shared/models/mxnet (MobileFace V1-V3, three LFFD detectors:
 * MXNet 0.9.5 to 1.5 symbols, legacy and V2 .params records) compiled and run against the
 * references stored there; the same checkpoint in the legacy (pre-NNVM) symbol layout; the
 * Reshape codes against MXNet's documented examples; and what bad input gets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModel } from '../../../src/driver/compile.js';
import { loadStaticModel, type LoadOptions } from '../../../src/driver/load-model.js';
import { isNccError, type NccError } from '../../../src/errors.js';
import { reshapeTarget } from '../../../src/frontends/mxnet/ops/shape.js';
import type { TensorData } from '../../../src/ir/dtype.js';
import { parseIoConfig } from '../../../src/options/io-config.js';
import { load } from '../../../src/runtime/index.js';
import { allclose, sharedModels, type SharedModel } from '../../helpers/shared-models.js';

interface Meta {
  files: [string, string];
  io_config: unknown;
}

const models = new Map(sharedModels('mxnet').map((m) => [m.folder, m]));
const FOLDERS = [
  'mobileface_v1',
  'mobileface_v2',
  'mobileface_v3',
  'lffd_head',
  'lffd_license_plate',
  'lffd_license_plate_small',
];

function model(folder: string): { m: SharedModel; symbol: string; params: string; meta: Meta } {
  const m = models.get(folder);
  assert.ok(m, `../shared/models/mxnet/${folder} is missing`);
  const meta = JSON.parse(readFileSync(join(m.dir, 'meta.json'), 'utf8')) as Meta;
  return { m, symbol: join(m.dir, meta.files[0]), params: join(m.dir, meta.files[1]), meta };
}

async function expectMatches(folder: string, symbol: string, options: LoadOptions): Promise<void> {
  const { m } = model(folder);
  const c = m.cases()[0]!;
  const { neff } = compileModel(symbol, { ...options, ioConfig: parseIoConfig(JSON.stringify(c.ioConfig)) });
  const compiled = await load(neff);
  try {
    const outputs = await compiled.run(Object.fromEntries([...c.inputs].map(([k, t]) => [k, t.data])));
    assert.deepEqual(
      compiled.outputs.map((o) => o.name),
      [...c.outputs.keys()],
    );
    for (const [name, expected] of c.outputs) {
      const meta = compiled.outputs.find((o) => o.name === name)!;
      const actual = { dtype: meta.dtype, shape: [...meta.shape], data: outputs[name] as TensorData };
      const diff = allclose(actual, expected, m.tolerance!.atol, m.tolerance!.rtol);
      assert.equal(diff, undefined, `${folder} ${name}: ${diff}`);
    }
  } finally {
    compiled.dispose();
  }
}

for (const folder of FOLDERS) {
  test(`mxnet/${folder} compiles and matches its reference`, () => {
    const { symbol, params } = model(folder);
    return expectMatches(folder, symbol, { framework: 'mxnet', params });
  });
}

test('the .params file is found from --epoch, or as the only one beside the symbol', () => {
  const { symbol, meta } = model('mobileface_v3');
  const io = parseIoConfig(JSON.stringify(meta.io_config));
  const byEpoch = loadStaticModel(symbol, { epoch: 0, ioConfig: io });
  const alone = loadStaticModel(symbol.replace(/-symbol\.json$/, ''), { ioConfig: io });
  assert.equal(byEpoch.source.format, 'mxnet');
  assert.equal(byEpoch.graph.initializers.size, alone.graph.initializers.size);
  const missing = refusal(symbol, { epoch: 7, ioConfig: io });
  assert.equal(missing.code, 'NCC_FILE_NOT_FOUND');
  assert.match(missing.message, /-0007\.params/);
});

/** The NNVM symbol rewritten in MXNet's pre-0.9 layout: op attributes under param, [node, output] inputs. */
function legacySymbol(nnvm: string): string {
  const s = JSON.parse(nnvm) as {
    nodes: {
      op: string;
      name: string;
      attrs?: Record<string, string>;
      attr?: Record<string, string>;
      inputs: number[][];
    }[];
    heads: number[][];
    arg_nodes: number[];
  };
  return JSON.stringify({
    nodes: s.nodes.map((n) => ({
      op: n.op,
      param: n.op === 'null' ? {} : (n.attrs ?? n.attr ?? {}),
      name: n.name,
      inputs: n.inputs.map(([node, output]) => [node, output]),
      backward_source_id: -1,
    })),
    arg_nodes: s.arg_nodes,
    heads: s.heads.map(([node, output]) => [node, output]),
  });
}

test('a legacy (pre-NNVM) symbol of the same network gives the same results', async () => {
  const { symbol, params } = model('mobileface_v2');
  const dir = mkdtempSync(join(tmpdir(), 'ncc-mx-legacy-'));
  try {
    const legacy = join(dir, 'face-symbol.json');
    writeFileSync(legacy, legacySymbol(readFileSync(symbol, 'utf8')));
    const loaded = loadStaticModel(legacy, {
      params,
      ioConfig: parseIoConfig(JSON.stringify(model('mobileface_v2').meta.io_config)),
    });
    assert.match(loaded.producer, /legacy JSON/);
    await expectMatches('mobileface_v2', legacy, { params });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function refusal(symbol: string, options: LoadOptions): NccError {
  try {
    loadStaticModel(symbol, options);
  } catch (e) {
    assert.ok(isNccError(e), String(e));
    return e;
  }
  assert.fail('loaded');
}

test('unsupported ops are listed all at once, with their nodes', () => {
  const { symbol, params, meta } = model('lffd_head');
  const dir = mkdtempSync(join(tmpdir(), 'ncc-mx-ops-'));
  try {
    const json = JSON.parse(readFileSync(symbol, 'utf8')) as { nodes: { op: string; name: string }[] };
    let swapped = 0;
    for (const n of json.nodes) {
      if (n.op === 'softmax') n.op = '_contrib_MultiBoxDetection';
      if (n.op === 'elemwise_add' && swapped++ < 2) n.op = 'Custom';
    }
    const edited = join(dir, 'head-symbol.json');
    writeFileSync(edited, JSON.stringify(json));
    copyFileSync(params, join(dir, 'head-0000.params'));
    const e = refusal(edited, { ioConfig: parseIoConfig(JSON.stringify(meta.io_config)) });
    assert.equal(e.code, 'NCC_UNSUPPORTED_OP');
    assert.match(e.message, /_contrib_MultiBoxDetection \(4 nodes/);
    assert.match(e.message, /Custom \(2 nodes/);
    assert.match(e.hint ?? '', /list-operators --framework mxnet/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inputs must be pinned: the error names them and the training __shape__ the symbol records', () => {
  const { symbol, params } = model('lffd_head');
  const e = refusal(symbol, { params });
  assert.equal(e.code, 'NCC_DYNAMIC_SHAPE');
  assert.match(e.message, /data \(trained with __shape__ \(16, 3, 480, 480\)\)/);
  assert.match(e.hint ?? '', /--io-config/);
});

test('--io-config outputs may pick any node output by its MXNet name', () => {
  const { symbol, params } = model('mobileface_v1');
  const m = loadStaticModel(symbol, {
    params,
    ioConfig: parseIoConfig('{"inputs": {"data": [[1,1,100,100], "float32"]}, "outputs": ["conv1_output"]}'),
  });
  assert.deepEqual(
    m.graph.outputs.map((o) => [o.name, o.type.shape]),
    [['conv1_output', [1, 32, 50, 50]]],
  );
  const e = refusal(symbol, {
    params,
    ioConfig: parseIoConfig('{"inputs": {"data": [[1,1,100,100], "float32"]}, "outputs": ["nope_output"]}'),
  });
  assert.equal(e.code, 'NCC_BAD_OPTION');
});

test('corrupt symbols and params are NCC_BAD_MODEL, naming the file', () => {
  const { symbol, params, meta } = model('mobileface_v3');
  const io = parseIoConfig(JSON.stringify(meta.io_config));
  const dir = mkdtempSync(join(tmpdir(), 'ncc-mx-bad-'));
  try {
    const cases: [string, string | Uint8Array, string | Uint8Array][] = [
      ['not json', '{"nodes": [', readFileSync(params)],
      ['no nodes', '{"heads": []}', readFileSync(params)],
      [
        'input to a later node',
        readFileSync(symbol, 'utf8').replace('[[0, 0, 0]]', '[[5000, 0, 0]]'),
        readFileSync(params),
      ],
      ['truncated params', readFileSync(symbol), readFileSync(params).subarray(0, 100_000)],
    ];
    for (const [what, sym, par] of cases) {
      writeFileSync(join(dir, 'm-symbol.json'), sym);
      writeFileSync(join(dir, 'm-0000.params'), par);
      const e = refusal(join(dir, 'm-symbol.json'), { ioConfig: io });
      assert.equal(e.code, 'NCC_BAD_MODEL', `${what}: ${e.message}`);
      assert.ok(e.subject.file, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Reshape's special codes follow MXNet's documented examples", () => {
  const cases: [number[], number[], boolean, number[]][] = [
    [[2, 3, 4], [4, 0, 2], false, [4, 3, 2]],
    [[2, 3, 4], [2, 0, 0], false, [2, 3, 4]],
    [[2, 3, 4], [6, 1, -1], false, [6, 1, 4]],
    [[2, 3, 4], [3, -1, 8], false, [3, 1, 8]],
    [[2, 3, 4], [-1], false, [24]],
    [[2, 3, 4], [-2], false, [2, 3, 4]],
    [[2, 3, 4], [2, -2], false, [2, 3, 4]],
    [[2, 3, 4], [-2, 1, 1], false, [2, 3, 4, 1, 1]],
    [[2, 3, 4], [-3, 4], false, [6, 4]],
    [[2, 3, 4, 5], [-3, -3], false, [6, 20]],
    [[2, 3, 4], [0, -3], false, [2, 12]],
    [[2, 3, 4], [-3, -2], false, [6, 4]],
    [[2, 3, 4], [-4, 1, 2, -2], false, [1, 2, 3, 4]],
    [[2, 3, 4], [2, -4, -1, 3, -2], false, [2, 1, 3, 4]],
    [[10, 5, 4], [-1, 0], false, [40, 5]],
    [[10, 5, 4], [-1, 0], true, [50, 4]],
  ];
  for (const [src, codes, reverse, want] of cases)
    assert.deepEqual(
      reshapeTarget(src, codes, reverse),
      want,
      `${src} by ${codes}${reverse ? ' reversed' : ''}`,
    );
  assert.throws(() => reshapeTarget([2, 3], [-1, -1], false), /only one/);
  assert.throws(() => reshapeTarget([2, 3], [4, 2], false), /cannot take/);
});
