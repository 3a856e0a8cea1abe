/**
 * Frozen TensorFlow GraphDefs: the real ones in ../shared/models/tf compiled and run against their
 * stored reference outputs (cv2.dnn and an independent numpy evaluator made them), control flow
 * rejected with every unsupported op named, bad files rejected with a code, and NHWC convolutions
 * kept free of per-layer transposes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModel } from '../../../src/driver/compile.js';
import { loadStaticModel } from '../../../src/driver/load-model.js';
import { isNccError, type ErrorCode } from '../../../src/errors.js';
import { parseIoConfig } from '../../../src/options/io-config.js';
import { expectCasesMatch } from '../../helpers/compiled-cases.js';
import { sharedModels } from '../../helpers/shared-models.js';

const GRAPHDEFS = ['opencv_face_detector', 'tf2onnx_ae0', 'tf2onnx_fc_layers', 'tf2onnx_lstm', 'tf2onnx_gru'];
const models = sharedModels('tf');
const byFolder = new Map(models.map((m) => [m.folder, m]));

function expectCode(f: () => unknown, code: ErrorCode, message?: RegExp, hint?: RegExp): void {
  try {
    f();
  } catch (e) {
    assert.ok(isNccError(e), String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    assert.ok(e.hint, 'a hint');
    if (hint) assert.match(e.hint, hint);
    return;
  }
  assert.fail(`expected ${code}`);
}

if (models.length === 0)
  test('TensorFlow GraphDefs', { skip: '../shared/models/tf is not present' }, () => {});

for (const folder of GRAPHDEFS) {
  const model = byFolder.get(folder);
  if (!model) continue;
  test(`compiled tf/${folder} matches its reference`, () =>
    expectCasesMatch(model, { framework: 'tensorflow' }));
}

const face = byFolder.get('opencv_face_detector');
if (face)
  test('an NHWC conv net is transposed at its input and before its reshapes only, not per layer', () => {
    const [c] = face.cases();
    const m = loadStaticModel(face.file, { ioConfig: parseIoConfig(JSON.stringify(c!.ioConfig)) });
    const count = (op: string): number => m.graph.nodes.filter((n) => n.op === op).length;
    assert.equal(count('Conv'), 32);
    // 1 at the input, 12 before the heads' reshapes (NHWC flatten order), 2 + 4 around the
    // space-to-batch pair of the dilated conv
    assert.ok(count('Transpose') <= 19, `${count('Transpose')} transposes`);
    assert.ok(count('Transpose') < count('Conv'));
    // names follow TensorFlow's
    assert.deepEqual(
      m.graph.inputs.map((v) => v.name),
      ['data'],
    );
    assert.deepEqual(
      m.graph.outputs.map((v) => v.name),
      ['mbox_loc', 'mbox_conf_flatten'],
    );
  });

const mtcnn = byFolder.get('tf_mtcnn');
if (mtcnn)
  test('control flow and NMS are NCC_UNSUPPORTED_OP naming every such op', () => {
    const [c] = mtcnn.cases();
    try {
      compileModel(mtcnn.file, {
        framework: 'tensorflow',
        ioConfig: parseIoConfig(JSON.stringify(c!.ioConfig)),
      });
      assert.fail('compiled');
    } catch (e) {
      assert.ok(isNccError(e), String(e));
      assert.equal(e.code, 'NCC_UNSUPPORTED_OP');
      for (const op of ['Merge', 'Switch', 'Enter', 'NextIteration', 'TensorArrayV3', 'NonMaxSuppressionV2'])
        assert.match(e.message, new RegExp(`\\b${op} \\(\\d+ nodes?`), op);
      assert.match(e.hint!, /list-operators --framework tensorflow/);
    }
  });

test('bad GraphDef files: corrupt, empty, truncated, unknown outputs, unpinned shapes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-tf-'));
  try {
    const write = (name: string, bytes: Uint8Array): string => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    expectCode(
      () => loadStaticModel(write('junk.pb', new Uint8Array([0xff, 0xff, 0xff, 0x07, 1, 2]))),
      'NCC_BAD_MODEL',
    );
    expectCode(() => loadStaticModel(write('empty.pb', new Uint8Array(0))), 'NCC_BAD_MODEL', /no nodes/);
    expectCode(() => loadStaticModel(join(dir, 'missing.pb')), 'NCC_FILE_NOT_FOUND');
    const ae0 = byFolder.get('tf2onnx_ae0');
    if (!ae0) return;
    const bytes = new Uint8Array(readFileSync(ae0.file));
    expectCode(
      () => loadStaticModel(write('cut.pb', bytes.subarray(0, bytes.length - 1000))),
      'NCC_BAD_MODEL',
    );
    const io = parseIoConfig(
      JSON.stringify({ inputs: { X: [[1, 784], 'float32'] }, outputs: ['no_such_node'] }),
    );
    expectCode(() => loadStaticModel(ae0.file, { ioConfig: io }), 'NCC_BAD_OPTION', /no node 'no_such_node'/);
    // the face detector's input has no shape in the graph: unpinned, the compile says which to pin
    if (face)
      expectCode(
        () => loadStaticModel(face.file),
        'NCC_DYNAMIC_SHAPE',
        /compile time/,
        /pin data with --io-config/,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
