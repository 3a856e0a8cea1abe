import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModel } from '../../src/driver/compile.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { load } from '../../src/runtime/index.js';
import type { TensorData } from '../../src/ir/dtype.js';
import { allclose, sharedModels } from '../helpers/shared-models.js';

/**
 * Every ONNX model in ../shared/models/onnx compiled to a NEFF and run by the runtime, against the
 * stored reference outputs (PyTorch eager or the original framework) within the folder's tolerance.
 * detector_nms and control_flow need host ops and wait for the partitioner.
 */
const WAIT_FOR_PARTITIONING = new Set(['detector_nms', 'control_flow']);

const models = sharedModels('onnx').filter((m) => !WAIT_FOR_PARTITIONING.has(m.folder));
if (models.length === 0)
  test('compiled ONNX model set', { skip: '../shared/models/onnx is not present' }, () => {});

for (const model of models) {
  test(`compiled onnx/${model.folder}`, async () => {
    for (const c of model.cases()) {
      const ioConfig = parseIoConfig(JSON.stringify(c.ioConfig));
      const { neff, summary } = compileModel(model.file, { ioConfig });
      assert.ok(summary.kernels > 0);
      const compiled = await load(neff);
      try {
        const outputs = await compiled.run(Object.fromEntries([...c.inputs].map(([k, t]) => [k, t.data])));
        assert.ok(model.tolerance, 'model has a tolerance');
        for (const [name, expected] of c.outputs) {
          const meta = compiled.outputs.find((o) => o.name === name);
          assert.ok(meta, `output ${name} (case ${c.name})`);
          const actual = { dtype: meta.dtype, shape: [...meta.shape], data: outputs[name] as TensorData };
          const diff = allclose(actual, expected, model.tolerance.atol, model.tolerance.rtol);
          assert.equal(diff, undefined, `output ${name} of case ${c.name}: ${diff}`);
        }
      } finally {
        compiled.dispose();
      }
    }
  });
}
