import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, loadStaticModel } from '../../src/driver/load-model.js';
import { isNccError } from '../../src/errors.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { allclose, sharedModels } from '../helpers/shared-models.js';

/**
 * Every ONNX model in ../shared/models/onnx: import, pin with its io_config, infer static shapes,
 * run the reference interpreter on the stored input and match the stored reference output
 * (PyTorch eager or the original framework, re-checked by onnxruntime). If, Loop and
 * NonMaxSuppression run on the reference interpreter as on the host side of a partitioned model.
 */
/** Models whose outputs have data-dependent sizes (NonMaxSuppression): their shapes stay symbolic. */
const DYNAMIC = new Set(['detector_nms']);

const models = sharedModels('onnx');
if (models.length === 0) test('ONNX model set', { skip: '../shared/models/onnx is not present' }, () => {});

for (const model of models) {
  test(`onnx/${model.folder}`, () => {
    for (const c of model.cases()) {
      const ioConfig = parseIoConfig(JSON.stringify(c.ioConfig));
      if (DYNAMIC.has(model.folder))
        assert.throws(
          () => loadStaticModel(model.file, { ioConfig }),
          (e: unknown) => isNccError(e) && e.code === 'NCC_DYNAMIC_SHAPE',
        );
      const m = DYNAMIC.has(model.folder)
        ? loadModel(model.file, { ioConfig })
        : loadStaticModel(model.file, { ioConfig });
      const outputs = runGraph(m.graph, c.inputs);
      assert.ok(model.tolerance, 'model has a tolerance');
      for (const [name, expected] of c.outputs) {
        const actual = outputs.get(name);
        assert.ok(actual, `output ${name} computed (case ${c.name})`);
        const diff = allclose(actual, expected, model.tolerance.atol, model.tolerance.rtol);
        assert.equal(diff, undefined, `output ${name} of case ${c.name}: ${diff}`);
      }
    }
  });
}
