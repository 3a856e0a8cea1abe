/**
 * SavedModels (TF1 with VariableV2, TF2 with function calls and resource variables, the tfjs-node
 * test SavedModels) and text GraphDefs. References: the analytic outputs stored in ../shared (and
 * re-checked there by an independent SavedModel interpreter). Text protos: a binary GraphDef
 * written as text compiles to the very same NEFF, and a real .pbtxt (OpenCV's) parses node by node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { compileModel } from '../../../src/driver/compile.js';
import { loadStaticModel } from '../../../src/driver/load-model.js';
import { isNccError, type ErrorCode } from '../../../src/errors.js';
import { tfTypeName } from '../../../src/frontends/tensorflow/dtypes.js';
import { parseTextMessage } from '../../../src/frontends/tensorflow/text-format.js';
import { decodeGraphDef, tfType, type GraphDef } from '../../../src/frontends/tensorflow/tf-proto.js';
import type { TensorData } from '../../../src/ir/dtype.js';
import { parseIoConfig } from '../../../src/options/io-config.js';
import { load } from '../../../src/runtime/index.js';
import { readNpy } from '../../../src/io/npy.js';
import { expectCasesMatch } from '../../helpers/compiled-cases.js';
import { allclose, sharedModels, SHARED } from '../../helpers/shared-models.js';

const SAVED_MODELS = [
  'serving_half_plus_two_tf1',
  'serving_half_plus_two_tf2',
  'tfjs_node_int64_multiply',
  'tfjs_node_uint8_multiply',
  'tfjs_node_times_two_int',
  'tfjs_node_times_three_float',
  'tfjs_node_module_with_multiple_signatures',
  'tfjs_node_model_multi_output',
  'tfjs_node_model_single_input_multi_output',
];
const byFolder = new Map(sharedModels('tf').map((m) => [m.folder, m]));

function expectCode(f: () => unknown, code: ErrorCode, hint?: RegExp): void {
  try {
    f();
  } catch (e) {
    assert.ok(isNccError(e), String(e));
    assert.equal(e.code, code, e.message);
    if (hint) assert.match(e.hint ?? '', hint);
    return;
  }
  assert.fail(`expected ${code}`);
}

for (const folder of SAVED_MODELS) {
  const model = byFolder.get(folder);
  if (!model) continue;
  test(`compiled SavedModel tf/${folder} matches its reference`, () =>
    expectCasesMatch(model, { framework: 'tensorflow' }));
}

const multi = byFolder.get('tfjs_node_module_with_multiple_signatures');
if (multi)
  test('--signature picks another signature; unknown signatures and tags name the ones there are', async () => {
    const io = parseIoConfig(JSON.stringify({ inputs: { x: [[], 'float32'] } }));
    const { neff } = compileModel(multi.file, { ioConfig: io, signature: 'timestwo' });
    const m = await load(neff);
    try {
      const out = await m.run({ x: Float32Array.of(21) });
      assert.deepEqual([...(out.output_0 as Float32Array)], [42]);
    } finally {
      m.dispose();
    }
    expectCode(
      () => loadStaticModel(multi.file, { ioConfig: io, signature: 'nope' }),
      'NCC_BAD_OPTION',
      /timestwo/,
    );
    expectCode(() => loadStaticModel(multi.file, { ioConfig: io, tags: ['gpu'] }), 'NCC_BAD_OPTION', /serve/);
  });

const tf1 = byFolder.get('serving_half_plus_two_tf1');
if (tf1)
  test('a SavedModel with a damaged or missing checkpoint is NCC_BAD_MODEL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-sm-'));
    try {
      const copy = join(dir, 'saved_model');
      cpSync(tf1.file, copy, { recursive: true });
      const io = parseIoConfig(JSON.stringify({ inputs: { x: [[4, 1], 'float32'] } }));
      const data = join(copy, 'variables', 'variables.data-00000-of-00001');
      const bytes = readFileSync(data);
      bytes[bytes.length - 2]! ^= 0x40;
      writeFileSync(data, bytes);
      expectCode(() => loadStaticModel(copy, { ioConfig: io }), 'NCC_BAD_MODEL');
      rmSync(join(copy, 'variables'), { recursive: true });
      expectCode(() => loadStaticModel(copy, { ioConfig: io }), 'NCC_BAD_MODEL', /variables/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

/** A message as protobuf text, the way TensorFlow writes .pbtxt (types by name). */
function toText(message: Record<string, unknown>, type: protobuf.Type, indent = ''): string {
  const lines: string[] = [];
  const scalar = (field: protobuf.Field, v: unknown): string => {
    if (field.type === 'string') return JSON.stringify(v);
    if (field.type === 'bytes')
      return `"${[...(v as Uint8Array)].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}"`;
    if ((field.name === 'type' || field.name === 'dtype') && field.type === 'int32')
      return tfTypeName(v as number);
    return String(v);
  };
  for (const field of type.fieldsArray) {
    field.resolve();
    const v = message[field.name];
    if (v === undefined || v === null) continue;
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const emit = (item: unknown): void => {
      if (sub)
        lines.push(
          `${indent}${field.name} {\n${toText(item as Record<string, unknown>, sub, indent + '  ')}${indent}}`,
        );
      else lines.push(`${indent}${field.name}: ${scalar(field, item)}`);
    };
    if (field instanceof protobuf.MapField) {
      for (const [k, item] of Object.entries(v as Record<string, unknown>))
        lines.push(
          `${indent}${field.name} {\n${indent}  key: ${JSON.stringify(k)}\n${indent}  value {\n${toText(item as Record<string, unknown>, sub!, indent + '    ')}${indent}  }\n${indent}}`,
        );
    } else if (field.repeated) (v as unknown[]).forEach(emit);
    else if (sub || v !== field.typeDefault) emit(v);
  }
  return lines.map((l) => `${l}\n`).join('');
}

const ae0 = byFolder.get('tf2onnx_ae0');
if (ae0)
  test('a GraphDef written as text compiles to the same NEFF as its binary form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-pbtxt-'));
    try {
      const type = tfType('GraphDef');
      const graph = decodeGraphDef(readFileSync(ae0.file));
      const plain = type.toObject(type.fromObject(graph as unknown as Record<string, unknown>), {
        longs: Number,
        bytes: Uint8Array as never,
        defaults: false,
      });
      const text = `# written by the test\n${toText(plain, type)}`;
      const path = join(dir, 'frozen.pbtxt');
      writeFileSync(path, text);
      const io = parseIoConfig(JSON.stringify(ae0.cases()[0]!.ioConfig));
      const fromText = compileModel(path, { ioConfig: io }).neff;
      const fromBinary = compileModel(ae0.file, { ioConfig: io }).neff;
      assert.deepEqual(Buffer.from(fromText), Buffer.from(fromBinary));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

test(
  "a real .pbtxt (OpenCV's face detector config) parses node by node",
  { skip: !byFolder.has('opencv_face_detector') },
  () => {
    const text = readFileSync(
      join(SHARED, 'models/tf/opencv_face_detector/opencv_face_detector.pbtxt'),
      'utf8',
    );
    const graph = parseTextMessage<GraphDef>(text, tfType('GraphDef'));
    assert.equal(graph.node.length, 145);
    assert.equal(graph.node[0]!.name, 'data');
    assert.equal(graph.node[0]!.attr.dtype!.type, 1);
    const bn = graph.node[1]!;
    assert.equal(bn.op, 'FusedBatchNorm');
    assert.deepEqual(bn.input, ['data:0', 'data_bn/gamma', 'data_bn/beta', 'data_bn/mean', 'data_bn/std']);
    assert.ok(Math.abs(bn.attr.epsilon!.f! - 1.00099996416e-5) < 1e-12);
    assert.throws(
      () => parseTextMessage('node { name: "x" ', tfType('GraphDef')),
      /line 1, column \d+: expected '}'/,
    );
  },
);

for (const folder of ['serving_half_plus_two_tf1', 'serving_half_plus_two_tf2']) {
  const model = byFolder.get(folder);
  if (!model) continue;
  test(`tf/${folder}: the regress_x2_to_y3 signature (inputs and outputs named by its keys)`, async () => {
    const dir = join(SHARED, 'models/tf', folder);
    const x = readNpy(readFileSync(join(dir, 'inputs/regress_x2_to_y3__inputs.npy')));
    const expected = readNpy(readFileSync(join(dir, 'outputs/regress_x2_to_y3__outputs.npy')));
    const io = parseIoConfig(JSON.stringify({ inputs: { inputs: [x.shape, x.dtype] } }));
    const { neff } = compileModel(model.file, { ioConfig: io, signature: 'regress_x2_to_y3' });
    const m = await load(neff);
    try {
      assert.deepEqual(
        m.outputs.map((o) => o.name),
        ['outputs'],
      );
      const out = await m.run({ inputs: x.data as Float32Array });
      const actual = { dtype: expected.dtype, shape: [...expected.shape], data: out.outputs as TensorData };
      assert.equal(allclose(actual, expected, 1e-6, 1e-6), undefined);
    } finally {
      m.dispose();
    }
  });
}
