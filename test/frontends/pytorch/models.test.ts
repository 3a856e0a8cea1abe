/**
 * The real TorchScript archives of ../shared/models/torchscript, compiled and run, against the
 * outputs PyTorch itself stored with them: traced torchvision MobileNetV2 and a BERT encoder, the
 * mobile-optimized (prepacked XNNPACK) ASL CNN, the dynamically quantized ViT, and tch-rs's test
 * modules (buffers, int64 scalars, tuple outputs, a scripted loop). The archives neuron-cc cannot
 * compile (LSTM with random sampling, non-tensor signatures, a custom class) must be refused with
 * an error naming what is unsupported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModel } from '../../../src/driver/compile.js';
import { loadStaticModel } from '../../../src/driver/load-model.js';
import { isNccError, type NccError } from '../../../src/errors.js';
import type { TensorData } from '../../../src/ir/dtype.js';
import { parseIoConfig } from '../../../src/options/io-config.js';
import { load } from '../../../src/runtime/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectCasesMatch } from '../../helpers/compiled-cases.js';
import { sharedModels, type SharedModel } from '../../helpers/shared-models.js';

const models = new Map(sharedModels('torchscript').map((m) => [m.folder, m]));

function model(folder: string): SharedModel {
  const m = models.get(folder);
  assert.ok(m, `../shared/models/torchscript/${folder} is missing`);
  return m;
}

for (const folder of [
  'tch_foo',
  'tch_foo1',
  'tch_foo2',
  'tch_foo3',
  'mobilenet_v2',
  'bert_tiny',
  'asl',
  'vit4mnist',
]) {
  test(`torchscript/${folder} compiles and matches PyTorch's outputs`, () =>
    expectCasesMatch(model(folder), { framework: 'pytorch' }));
}

/** The meta's semantic checks: the top-1 class PyTorch gives. */
for (const folder of ['asl', 'vit4mnist']) {
  test(`torchscript/${folder} keeps PyTorch's top-1 class`, async () => {
    const m = model(folder);
    const meta = JSON.parse(readFileSync(join(m.dir, 'meta.json'), 'utf8')) as {
      checks: { output: string; argmax: number }[];
    };
    const c = m.cases()[0]!;
    const { neff } = compileModel(m.file, { ioConfig: parseIoConfig(JSON.stringify(c.ioConfig)) });
    const compiled = await load(neff);
    try {
      const outputs = await compiled.run(Object.fromEntries([...c.inputs].map(([k, t]) => [k, t.data])));
      for (const check of meta.checks) {
        const data = Array.from(outputs[check.output] as TensorData as Float32Array);
        assert.equal(data.indexOf(Math.max(...data)), check.argmax, `${check.output} top-1`);
      }
    } finally {
      compiled.dispose();
    }
  });
}

function refusal(folder: string, ioConfig?: unknown): NccError {
  const m = model(folder);
  try {
    loadStaticModel(m.file, ioConfig ? { ioConfig: parseIoConfig(JSON.stringify(ioConfig)) } : {});
  } catch (e) {
    assert.ok(isNccError(e), String(e));
    return e;
  }
  assert.fail(`${folder} compiled`);
}

test('deepar (LSTM plus random sampling) is refused, naming every unsupported op', () => {
  const m = model('deepar');
  const e = refusal('deepar', m.cases()[0]!.ioConfig);
  assert.equal(e.code, 'NCC_UNSUPPORTED_OP');
  for (const op of [
    'aten::poisson (random sampling)',
    'aten::_standard_gamma (random sampling)',
    'aten::repeat_interleave',
  ])
    assert.ok(e.message.includes(op), `${op} in: ${e.message}`);
  // its LSTM maps (aten::lstm); each unsupported op comes with where it is called: module, method, line
  assert.doesNotMatch(e.message, /aten::lstm/);
  assert.match(e.message, /model \(DeepARModel\.forward\) line \d+/);
  assert.match(e.hint ?? '', /list-operators --framework pytorch/);
});

test('tch_foo4 (a tuple of Python scalars in, a float out) is refused as a non-tensor signature', () => {
  const e = refusal('tch_foo4');
  assert.equal(e.code, 'NCC_UNSUPPORTED_CONSTRUCT');
  assert.match(e.message, /input 'x' of type Tuple\[float, float, int\]/);
  assert.match(e.message, /returns float/);
});

test('tch_foo5 (strings) is refused as a non-tensor signature', () => {
  const e = refusal('tch_foo5');
  assert.equal(e.code, 'NCC_UNSUPPORTED_CONSTRUCT');
  assert.match(e.message, /input 'xs' of type List\[str\]/);
  assert.match(e.message, /returns List\[str\]/);
});

test('tch_foo6 (returns a custom class object) is refused, naming the class', () => {
  const e = refusal('tch_foo6', { inputs: { x: [[3], 'float32'] } });
  assert.equal(e.code, 'NCC_UNSUPPORTED_CONSTRUCT');
  assert.match(e.message, /custom class __torch__\.TorchScriptClass/);
});

test('TorchScript inputs need pinned shapes; --io-config names them as forward does or in order', () => {
  const m = model('tch_foo');
  const missing = refusal('tch_foo', { inputs: { x: [[5], 'float32'] } });
  assert.equal(missing.code, 'NCC_DYNAMIC_SHAPE');
  assert.match(missing.message, /pin y/);
  assert.match(missing.hint ?? '', /--io-config/);
  const wrong = refusal('tch_foo', { inputs: { x: [[5], 'float32'], z: [[1], 'float32'] } });
  assert.equal(wrong.code, 'NCC_BAD_OPTION');
  assert.match(wrong.hint ?? '', /forward's inputs are: x, y/);
  // other names, as many as forward's inputs: taken in order, and the graph's inputs carry them
  const renamed = loadStaticModel(m.file, {
    ioConfig: parseIoConfig('{"inputs": {"a": [[5], "float32"], "b": [[1], "float32"]}, "outputs": ["sum"]}'),
  });
  assert.deepEqual(
    renamed.graph.inputs.map((v) => v.name),
    ['a', 'b'],
  );
  assert.deepEqual(
    renamed.graph.outputs.map((v) => v.name),
    ['sum'],
  );
});

test('input shapes the model cannot take are a coded error naming where, not a crash', () => {
  // four 5x5 convolutions with 2x2 pooling need more than 8x8 pixels
  const small = refusal('asl', { inputs: { x: [[1, 3, 8, 8], 'float32'] } });
  assert.equal(small.code, 'NCC_SHAPE_MISMATCH', small.message);
  assert.match(small.message, /prepacked::conv2d_clamp_run at self \(CustomCNN\.forward\) line \d+/);
  assert.match(small.hint ?? '', /--io-config/);
  // its code asserts a batch dimension after the convolutions: without one it raises
  const unbatched = refusal('asl', { inputs: { x: [[3, 200, 200], 'float32'] } });
  assert.ok(['NCC_SHAPE_MISMATCH'].includes(unbatched.code), unbatched.message);
});

test('tuple outputs are output_0, output_1; --io-config may pick one of them', () => {
  const m = model('tch_foo2');
  const one = loadStaticModel(m.file, {
    ioConfig: parseIoConfig('{"inputs": {"x": [[], "int64"], "y": [[], "int64"]}, "outputs": ["output_1"]}'),
  });
  assert.deepEqual(
    one.graph.outputs.map((v) => v.name),
    ['output_1'],
  );
});
