import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromNumbers } from '../../src/ir/tensor.js';
import { initializer, writeModel } from '../helpers/onnx-builder.js';

/** The package's two entry points, imported by name as users do. */
test("import { compile } from 'neuron-cc' and load from 'neuron-cc/runtime'", async () => {
  const { compile } = (await import('neuron-cc')) as typeof import('../../src/index.js');
  const { load } = (await import('neuron-cc/runtime')) as typeof import('../../src/runtime/index.js');
  const path = writeModel({
    inputs: [['x', 'float32', [4]]],
    outputs: [['y', 'float32', [4]]],
    nodes: [{ op: 'Mul', inputs: ['x', 'k'], outputs: ['y'] }],
    initializers: [initializer('k', fromNumbers('float32', [4], [1, 2, 3, 4]))],
  });
  const { neff, summary } = await compile(path, {
    ioConfig: { inputs: { x: [[4], 'float32'] } },
    optLevel: 1,
  });
  assert.equal(summary.kernels, 1);
  assert.ok(summary.weightBytes >= 16);
  const model = await load(neff);
  assert.deepEqual(
    model.inputs.map((i) => [i.name, i.dtype, [...i.shape]]),
    [['x', 'float32', [4]]],
  );
  const out = await model.run({ x: new Float32Array([1, 1, 2, -1]) });
  assert.deepEqual([...(out.y as Float32Array)], [1, 2, 6, -4]);
  model.dispose();
});
