import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStaticModel } from '../../src/driver/load-model.js';
import { decodeModel } from '../../src/frontends/onnx/onnx-proto.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import { registeredOps } from '../../src/ops/all.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { initializer, tempDir, writeModel } from '../helpers/onnx-builder.js';
import { allclose, SHARED } from '../helpers/shared-models.js';

/** The built CLI, from dist/test/cli. */
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const MLP_DIR = join(SHARED, 'models/onnx/mlp_tiny');
const MLP = join(MLP_DIR, 'model.onnx');
const NO_SHARED = existsSync(MLP) ? false : `${MLP} is not present (../shared/models is needed)`;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `spawn: ${String(r.error)}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failed run: exit 1, the code on stderr in one or two lines, no stack trace. */
function assertFails(r: Run, code: string): string[] {
  assert.equal(r.status, 1, `exit status (stderr: ${r.stderr})`);
  assert.match(r.stderr, new RegExp(`\\b${code}\\b`));
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.length >= 1 && lines.length <= 2, `one or two lines, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace without --verbose');
  return lines;
}

const tinyModel = (): string =>
  writeModel({
    inputs: [['x', 'float32', [2, 3]]],
    outputs: [
      ['y', 'float32', [2, 3]],
      ['z', 'float32', [2, 3]],
    ],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Add', inputs: ['r', 'bias'], outputs: ['y'] },
      { op: 'Neg', inputs: ['x'], outputs: ['z'] },
    ],
    initializers: [initializer('bias', fromNumbers('float32', [3], [0.5, -1, 2]))],
  });

const symbolicModel = (): string =>
  writeModel({
    inputs: [['x', 'float32', ['batch', 4]]],
    outputs: [['y', 'float32', ['batch', 4]]],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
  });

test('list-operators prints the registry', () => {
  const r = cli('list-operators');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const names = registeredOps().map((d) => (d.domain ? `${d.domain}::${d.type}` : d.type));
  assert.ok(names.length > 0);
  assert.match(lines[0]!, new RegExp(`^# ${names.length} `));
  assert.deepEqual(lines.slice(1), names);
});

test('list-operators --framework tensorflow prints the mapping table, including the ops issue 6 names', () => {
  const r = cli('list-operators', '--framework', 'tensorflow');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, new RegExp(`^# ${lines.length - 1} TensorFlow operators`));
  for (const op of [
    'Conv2D',
    'FusedBatchNormV3',
    '_FusedConv2D',
    'StridedSlice',
    'Dequantize',
    'SpaceToBatchND',
  ])
    assert.ok(lines.includes(op), op);
  assert.deepEqual(lines.slice(1), [...lines.slice(1)].sort());
});

test('list-operators --framework pytorch prints the TorchScript mapping table, including the ops issue 7 names', () => {
  const r = cli('list-operators', '--framework', 'pytorch');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, new RegExp(`^# ${lines.length - 1} TorchScript operators`));
  const names = new Set(lines.slice(1).map((l) => l.replace(/[ (].*$/, '')));
  for (const op of [
    'aten::_convolution',
    'aten::conv_transpose2d',
    'aten::addmm',
    'aten::layer_norm',
    'aten::group_norm',
    'aten::hardswish',
    'aten::adaptive_avg_pool2d',
    'aten::rsub',
    'aten::masked_fill',
    'aten::einsum',
    'aten::upsample_bilinear2d',
    'aten::type_as',
    'prepacked::conv2d_clamp_run',
    'prepacked::linear_clamp_run',
    'quantized::linear_dynamic',
    'aten::size',
    'prim::NumToTensor',
  ])
    assert.ok(names.has(op), op);
  assert.deepEqual(lines.slice(1), [...lines.slice(1)].sort());
});

const FOO = join(SHARED, 'models/torchscript/tch_foo/foo.pt');
test(
  'compile takes a TorchScript archive by its extension; without --io-config it says what to pin',
  { skip: existsSync(FOO) ? false : `${FOO} is not present` },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-cli-pt-'));
    try {
      const out = join(dir, 'foo.neff');
      const unpinned = cli('compile', FOO, '--output', out);
      const [, hint] = assertFails(unpinned, 'NCC_DYNAMIC_SHAPE');
      assert.match(hint ?? '', /--io-config/);
      assert.equal(existsSync(out), false, 'no partial NEFF');
      const ok = cli(
        'compile',
        FOO,
        '--io-config',
        '{"inputs": {"x": [[5], "float32"], "y": [[1], "float32"]}}',
        '--output',
        out,
      );
      assert.equal(ok.status, 0, ok.stderr);
      assert.ok(existsSync(out));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('list-operators --framework mxnet prints the MXNet mapping table, including the ops issue 8 names', () => {
  const r = cli('list-operators', '--framework', 'mxnet');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, new RegExp(`^# ${lines.length - 1} MXNet operators`));
  for (const op of [
    'Convolution',
    'Deconvolution',
    'FullyConnected',
    'BatchNorm',
    'Activation',
    'LeakyReLU',
    'Pooling',
    'Flatten',
    'Reshape',
    'transpose',
    'Concat',
    'SliceChannel',
    'split',
    'slice_axis',
    'slice',
    'elemwise_add',
    'broadcast_mul',
    '_plus_scalar',
    '_rminus_scalar',
    '_maximum_scalar',
    'softmax',
    'SoftmaxActivation',
    'SoftmaxOutput',
    'L2Normalization',
    'Dropout',
    'clip',
    'Embedding',
    'expand_dims',
    'squeeze',
    'mean',
    'sum',
    'max',
    'UpSampling',
    'Crop',
    'Pad',
    'LayerNorm',
    'batch_dot',
    'dot',
  ])
    assert.ok(lines.includes(op), op);
  assert.deepEqual(lines.slice(1), [...lines.slice(1)].sort());
});

const MX = join(SHARED, 'models/mxnet/mobileface_v3');
test(
  'compile takes an MXNet symbol with its .params file, or --epoch',
  { skip: existsSync(MX) ? false : `${MX} is not present` },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-cli-mx-'));
    try {
      const symbol = join(MX, 'MobileFace_Identification_V3-symbol.json');
      const io = '{"inputs": {"data": [[1,3,112,112], "float32"]}}';
      const two = cli(
        'compile',
        symbol,
        join(MX, 'MobileFace_Identification_V3-0000.params'),
        '--io-config',
        io,
        '--output',
        join(dir, 'a.neff'),
      );
      assert.equal(two.status, 0, two.stderr);
      const epoch = cli(
        'compile',
        symbol,
        '--epoch',
        '0',
        '--io-config',
        io,
        '--output',
        join(dir, 'b.neff'),
      );
      assert.equal(epoch.status, 0, epoch.stderr);
      assert.deepEqual(readFileSync(join(dir, 'a.neff')), readFileSync(join(dir, 'b.neff')));
      assertFails(cli('check', symbol, '--epoch', '3', '--io-config', io), 'NCC_FILE_NOT_FOUND');
      assertFails(cli('check', symbol, '--epoch', 'x', '--io-config', io), 'NCC_BAD_OPTION');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const NMS = join(SHARED, 'models/onnx/detector_nms');
test(
  'compile --partition writes a .neuron.onnx that run executes; partition flags need --partition',
  { skip: existsSync(NMS) ? false : `${NMS} is not present` },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-cli-part-'));
    try {
      const out = join(dir, 'det.neuron.onnx');
      const io = '{"inputs": {"image": [[1,3,128,128], "float32"]}}';
      const c = cli('compile', join(NMS, 'model.onnx'), '--partition', '--io-config', io, '--output', out);
      assert.equal(c.status, 0, c.stderr);
      assert.match(c.stdout, /1 compiled segment: [\d.]+% of ops/);
      assert.match(c.stdout, /NonMaxSuppression: /);
      const r = cli('run', out, '--input', `image=${join(NMS, 'inputs/image.npy')}`, '--output-dir', dir);
      assert.equal(r.status, 0, r.stderr);
      const boxes = readNpy(readFileSync(join(dir, 'boxes.npy')));
      const want = readNpy(readFileSync(join(NMS, 'outputs/boxes.npy')));
      assert.equal(allclose(boxes, want, 1e-3, 1e-3), undefined);
      assertFails(
        cli('compile', join(NMS, 'model.onnx'), '--exclude-ops', 'Conv', '--io-config', io),
        'NCC_BAD_OPTION',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const BERT = join(SHARED, 'models/onnx/bert_tiny_dynamic');
test(
  'compile --buckets writes one bucketed NEFF that run pads and crops',
  { skip: existsSync(BERT) ? false : `${BERT} is not present` },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-cli-buckets-'));
    try {
      const out = join(dir, 'bert.neff');
      const c = cli(
        'compile',
        join(BERT, 'model.onnx'),
        '--buckets',
        'sequence=16,32',
        '--io-config',
        '{"dims": {"batch": 1}}',
        '--output',
        out,
      );
      assert.equal(c.status, 0, c.stderr);
      assert.match(c.stdout, /compiled 2 buckets/);
      const info = cli('inspect', out);
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /^NEFF 1\.2: /m);
      assert.match(
        info.stdout,
        /buckets: 2 programs sharing a [\d.]+ MiB weights pool, by sequence 16\/32; pinned batch 1/,
      );
      assert.match(info.stdout, /outputs last_hidden_state\[batch,sequence,128\]/);
      const inputs = ['input_ids', 'attention_mask'].flatMap((n) => [
        '--input',
        `${n}=${join(BERT, `inputs_seq20/${n}.npy`)}`,
      ]);
      const r = cli('run', out, ...inputs, '--output-dir', dir);
      assert.equal(r.status, 0, r.stderr);
      const got = readNpy(readFileSync(join(dir, 'last_hidden_state.npy')));
      const want = readNpy(readFileSync(join(BERT, 'outputs_seq20/last_hidden_state.npy')));
      assert.deepEqual(got.shape, [1, 20, 128]);
      assert.equal(allclose(got, want, 3e-4, 1e-3), undefined);
      assertFails(
        cli('compile', join(BERT, 'model.onnx'), '--buckets', 'sequence=a', '--output', out),
        'NCC_BAD_OPTION',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('list-operators with an unknown framework is NCC_BAD_OPTION', () => {
  assertFails(cli('list-operators', '--framework', 'caffe'), 'NCC_BAD_OPTION');
});

test('check on mlp_tiny summarizes inputs, outputs and node counts', { skip: NO_SHARED }, () => {
  const r = cli('check', MLP);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const meta = JSON.parse(readFileSync(join(MLP_DIR, 'meta.json'), 'utf8')) as {
    io_config: { inputs: Record<string, [number[], string]>; outputs: string[] };
  };
  const out = r.stdout;
  assert.match(out, /^inputs:$/m);
  assert.match(out, /^outputs:$/m);
  for (const [name, [shape, dtype]] of Object.entries(meta.io_config.inputs)) {
    assert.match(out, new RegExp(`^  ${name}: ${dtype}\\[${shape.join(',')}\\]$`, 'm'));
  }
  for (const name of meta.io_config.outputs) assert.match(out, new RegExp(`^  ${name}: float32\\[`, 'm'));
  // node counts by op type, from the file itself (nothing here folds in an MLP)
  const proto = decodeModel(readFileSync(MLP));
  const counts = new Map<string, number>();
  for (const n of proto.graph!.node) counts.set(n.op_type!, (counts.get(n.op_type!) ?? 0) + 1);
  assert.match(out, new RegExp(`^nodes: ${proto.graph!.node.length} after constant folding$`, 'm'));
  for (const [op, n] of counts) assert.match(out, new RegExp(`^  ${op} +${n}$`, 'm'), `${op} count`);
  assert.match(out, /^shapes: all static$/m);
});

test('check --dump-ir prints the graph after the summary', { skip: NO_SHARED }, () => {
  const r = cli('check', MLP, '--dump-ir');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^graph \S+\(x: float32\[4,64\]\) -> \(/m);
});

test('check on a corrupt file: exit 1, NCC_BAD_MODEL in one or two lines; --verbose adds the stack', () => {
  const path = writeModel(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), 'corrupt.onnx');
  const lines = assertFails(cli('check', path), 'NCC_BAD_MODEL');
  assert.match(lines[0]!, /^error NCC_BAD_MODEL: /);
  const verbose = cli('check', path, '--verbose');
  assert.equal(verbose.status, 1);
  assert.match(verbose.stderr, /NCC_BAD_MODEL/);
  assert.match(verbose.stderr, /^\s+at /m, 'a stack trace with --verbose');
});

test('check on a missing file is NCC_FILE_NOT_FOUND', () => {
  assertFails(cli('check', join(tempDir(), 'absent.onnx')), 'NCC_FILE_NOT_FOUND');
});

test('check on a symbolic input without --io-config: NCC_DYNAMIC_SHAPE with an --io-config hint that works', () => {
  const path = symbolicModel();
  const lines = assertFails(cli('check', path), 'NCC_DYNAMIC_SHAPE');
  assert.equal(lines.length, 2);
  const m = /--io-config '([^']+)'/.exec(lines[1]!);
  assert.ok(m, `hint: ${lines[1]}`);
  const ok = cli('check', path, '--io-config', m[1]!);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^ {2}x: float32\[1,4\]$/m);
  const file = join(tempDir(), 'io.json');
  writeFileSync(file, '{"dims": {"batch": 3}}');
  const fromFile = cli('check', path, '--io-config', file);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /^ {2}y: float32\[3,4\]$/m);
});

test('check on a model with unknown ops is NCC_UNSUPPORTED_OP naming them all', () => {
  const path = writeModel({
    inputs: [['x', 'float32', [2]]],
    outputs: [['y', 'float32', [2]]],
    nodes: [
      { op: 'NoSuchOpOne', inputs: ['x'], outputs: ['a'] },
      { op: 'NoSuchOpTwo', inputs: ['a'], outputs: ['y'] },
    ],
  });
  const [line] = assertFails(cli('check', path), 'NCC_UNSUPPORTED_OP');
  assert.match(line!, /NoSuchOpOne/);
  assert.match(line!, /NoSuchOpTwo/);
});

test('bad --io-config JSON is NCC_BAD_OPTION', () => {
  assertFails(cli('check', symbolicModel(), '--io-config', '{"inputs": {"x": [[1,4]'), 'NCC_BAD_OPTION');
  assertFails(cli('check', symbolicModel(), '--io-config', '{"inputz": {}}'), 'NCC_BAD_OPTION');
  assertFails(cli('check', symbolicModel(), '--io-config', '{"inputs": {"x": [[1,5]]}}'), 'NCC_BAD_OPTION');
});

test('a usage error exits 2', () => {
  assert.equal(cli('no-such-command').status, 2);
  assert.equal(cli('check').status, 2);
});

function sameTensor(actual: Tensor, expected: Tensor, what: string): void {
  assert.equal(actual.dtype, expected.dtype, what);
  assert.deepEqual(actual.shape, expected.shape, what);
  assert.deepEqual(Array.from(actual.data as Float32Array), Array.from(expected.data as Float32Array), what);
}

test('evaluate writes every output as .npy, equal to runGraph', () => {
  const path = tinyModel();
  const dir = tempDir();
  const x = fromNumbers('float32', [2, 3], [-1.5, 0, 2, 3.25, -0.5, 1]);
  const xFile = join(dir, 'x.npy');
  writeFileSync(xFile, writeNpy(x));
  const r = cli('evaluate', path, '--input', `x=${xFile}`, '--output-dir', join(dir, 'out'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^y: float32\[2,3\]/m);
  const expected = runGraph(loadStaticModel(path).graph, new Map([['x', x]]));
  for (const name of ['y', 'z']) {
    const file = join(dir, 'out', `${name}.npy`);
    sameTensor(readNpy(readFileSync(file), file), expected.get(name)!, name);
  }
  // and independently of the interpreter: y = relu(x) + bias, z = -x
  const y = readNpy(readFileSync(join(dir, 'out', 'y.npy')));
  const bias = [0.5, -1, 2];
  assert.deepEqual(
    Array.from(y.data as Float32Array),
    Array.from(x.data as Float32Array, (v, i) => Math.fround(Math.max(v, 0) + bias[i % 3]!)),
  );
});

test('evaluate with a missing input file or a malformed --input is a coded error', () => {
  const path = tinyModel();
  assertFails(cli('evaluate', path, '--input', `x=${join(tempDir(), 'none.npy')}`), 'NCC_FILE_NOT_FOUND');
  assertFails(cli('evaluate', path, '--input', 'x'), 'NCC_BAD_OPTION');
  assertFails(cli('evaluate', path), 'NCC_BAD_INPUT');
  const bad = join(tempDir(), 'bad.npy');
  writeFileSync(bad, 'not npy');
  assertFails(cli('evaluate', path, '--input', `x=${bad}`), 'NCC_BAD_INPUT');
  const wrongShape = join(tempDir(), 'x.npy');
  writeFileSync(wrongShape, writeNpy(fromNumbers('float32', [3, 2], [1, 2, 3, 4, 5, 6])));
  assertFails(cli('evaluate', path, '--input', `x=${wrongShape}`), 'NCC_BAD_INPUT');
});

test('evaluate on mlp_tiny reproduces the stored reference output', { skip: NO_SHARED }, () => {
  const meta = JSON.parse(readFileSync(join(MLP_DIR, 'meta.json'), 'utf8')) as {
    io_config: unknown;
    inputs: Record<string, string>;
    outputs: Record<string, string>;
    tolerance: { atol: number; rtol: number };
  };
  const out = tempDir();
  const args = Object.entries(meta.inputs).flatMap(([name, rel]) => [
    '--input',
    `${name}=${join(MLP_DIR, rel)}`,
  ]);
  const r = cli('evaluate', MLP, '--io-config', JSON.stringify(meta.io_config), ...args, '--output-dir', out);
  assert.equal(r.status, 0, r.stderr);
  const feeds = new Map(
    Object.entries(meta.inputs).map(([n, rel]) => [n, readNpy(readFileSync(join(MLP_DIR, rel)))]),
  );
  const model = loadStaticModel(MLP, { ioConfig: parseIoConfig(JSON.stringify(meta.io_config)) });
  const mine = runGraph(model.graph, feeds);
  for (const [name, rel] of Object.entries(meta.outputs)) {
    const got = readNpy(readFileSync(join(out, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`)));
    sameTensor(got, mine.get(name)!, `${name} vs runGraph`);
    const ref = readNpy(readFileSync(join(MLP_DIR, rel)));
    assert.equal(
      allclose(got, ref, meta.tolerance.atol, meta.tolerance.rtol),
      undefined,
      `${name} vs reference`,
    );
  }
});

const TF1_SAVED_MODEL = join(SHARED, 'models/tf/serving_half_plus_two_tf1/saved_model');
test(
  'compile takes a SavedModel directory with --signature and --tags; a wrong signature is NCC_BAD_OPTION',
  { skip: existsSync(TF1_SAVED_MODEL) ? false : `${TF1_SAVED_MODEL} is not present` },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-cli-tf-'));
    try {
      const out = join(dir, 'half.neff');
      const io = JSON.stringify({ inputs: { inputs: [[3, 1], 'float32'] } });
      const ok = cli(
        'compile',
        TF1_SAVED_MODEL,
        '--signature',
        'regress_x2_to_y3',
        '--tags',
        'serve',
        '--io-config',
        io,
        '--output',
        out,
      );
      assert.equal(ok.status, 0, ok.stderr);
      assert.ok(existsSync(out));
      const lines = assertFails(
        cli(
          'compile',
          TF1_SAVED_MODEL,
          '--signature',
          'nope',
          '--io-config',
          io,
          '--output',
          join(dir, 'x.neff'),
        ),
        'NCC_BAD_OPTION',
      );
      assert.ok(
        lines.some((l) => /regress_x2_to_y3/.test(l)),
        lines.join('\n'),
      );
      assert.ok(!existsSync(join(dir, 'x.neff')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
