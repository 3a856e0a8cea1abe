/**
 * The MXNet op mapping table against an independent oracle: each case in test/fixtures/mxnet-ops is
 * a tiny MXNet symbol graph (<case>-symbol.json + <case>-0000.params, as Module.save_checkpoint
 * writes them) with its inputs and reference outputs, written by scripts/make-mxnet-op-cases.py
 * from a numpy re-implementation of MXNet 1.x operator semantics, so that neither MXNet nor Python
 * runs here. Every case compiles with its io_config and must reproduce each output (named as
 * list_outputs() names them) in dtype, shape and values within the case's tolerance; cases marked
 * expect_error must be refused with that NccError code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel, type CompileOptions } from '../../../src/driver/compile.js';
import type { ErrorCode } from '../../../src/errors.js';
import type { TensorData } from '../../../src/ir/dtype.js';
import type { Tensor } from '../../../src/ir/tensor.js';
import { readNpy } from '../../../src/io/npy.js';
import { parseIoConfig } from '../../../src/options/io-config.js';
import { load } from '../../../src/runtime/index.js';
import { expectNccError } from '../expect-error.js';
import { allclose, ROOT } from '../../helpers/shared-models.js';

const DIR = join(ROOT, 'test/fixtures/mxnet-ops');

interface OpCase {
  io_config: { inputs: Record<string, [number[], string]> };
  inputs: Record<string, string>;
  outputs?: Record<string, string>;
  tolerance?: { atol: number; rtol: number };
  expect_error?: ErrorCode;
}

const npy = (file: string): Tensor => readNpy(readFileSync(join(DIR, file)), file);

// <case>.json describes a case; <case>-symbol.json is its graph
const CASES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && !f.endsWith('-symbol.json'))
  .sort()
  .map((f) => ({
    name: f.slice(0, -'.json'.length),
    spec: JSON.parse(readFileSync(join(DIR, f), 'utf8')) as OpCase,
  }));

test('the fixture folder holds the sweep', () => {
  assert.ok(CASES.length >= 130, `${CASES.length} cases in ${DIR}`);
});

for (const { name, spec } of CASES) {
  test(`mxnet op case ${name}`, async () => {
    const symbol = join(DIR, `${name}-symbol.json`);
    const options: CompileOptions = {
      framework: 'mxnet',
      params: join(DIR, `${name}-0000.params`),
      ioConfig: parseIoConfig(JSON.stringify(spec.io_config)),
    };
    if (spec.expect_error) {
      expectNccError(() => compileModel(symbol, options), spec.expect_error, name);
      return;
    }
    const { neff } = compileModel(symbol, options);
    const compiled = await load(neff);
    try {
      const feeds = Object.fromEntries(Object.entries(spec.inputs).map(([k, f]) => [k, npy(f).data]));
      const outputs = await compiled.run(feeds);
      const expected = Object.entries(spec.outputs ?? {});
      assert.deepEqual(
        compiled.outputs.map((o) => o.name),
        expected.map(([k]) => k),
        'output names',
      );
      const { atol, rtol } = spec.tolerance ?? { atol: 0, rtol: 0 };
      for (const [out, file] of expected) {
        const want = npy(file);
        const meta = compiled.outputs.find((o) => o.name === out)!;
        assert.equal(meta.dtype, want.dtype, `${out} dtype`);
        const got = { dtype: want.dtype, shape: [...meta.shape], data: outputs[out] as TensorData };
        const diff = allclose(got, want, atol, rtol);
        assert.equal(diff, undefined, `${out}: ${diff}`);
      }
    } finally {
      compiled.dispose();
    }
  });
}
