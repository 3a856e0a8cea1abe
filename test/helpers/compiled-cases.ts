/**
 * A shared model compiled by neuron-cc and run by the runtime on each of its cases, every output
 * checked against the stored reference within the folder's tolerance (exact when it states none).
 */
import assert from 'node:assert/strict';
import { compileModel, type CompileOptions } from '../../src/driver/compile.js';
import type { TensorData } from '../../src/ir/dtype.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { load } from '../../src/runtime/index.js';
import { allclose, type SharedModel } from './shared-models.js';

export async function expectCasesMatch(model: SharedModel, options: CompileOptions = {}): Promise<void> {
  const tolerance = model.tolerance ?? { atol: 0, rtol: 0 };
  for (const c of model.cases()) {
    const ioConfig = parseIoConfig(JSON.stringify(c.ioConfig));
    const { neff } = compileModel(model.file, { ...options, ioConfig });
    const compiled = await load(neff);
    try {
      const outputs = await compiled.run(Object.fromEntries([...c.inputs].map(([k, t]) => [k, t.data])));
      for (const [name, expected] of c.outputs) {
        const meta = compiled.outputs.find((o) => o.name === name);
        assert.ok(
          meta,
          `output ${name} of case ${c.name} among ${compiled.outputs.map((o) => o.name).join(', ')}`,
        );
        const actual = { dtype: meta.dtype, shape: [...meta.shape], data: outputs[name] as TensorData };
        const diff = allclose(actual, expected, tolerance.atol, tolerance.rtol);
        assert.equal(diff, undefined, `output ${name} of case ${c.name}: ${diff}`);
      }
    } finally {
      compiled.dispose();
    }
  }
}
