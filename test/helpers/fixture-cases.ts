/**
 * The op-sweep fixture cases of a frontend (test/fixtures/<set>): each `<case>.json` names its
 * io_config, input and output .npy files and tolerance, or the NccError code the model must get.
 * A case compiles, runs on the runtime, and must reproduce every output's name, dtype, shape and
 * values.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel, type CompileOptions } from '../../src/driver/compile.js';
import type { ErrorCode } from '../../src/errors.js';
import type { TensorData } from '../../src/ir/dtype.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { readNpy } from '../../src/io/npy.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { load } from '../../src/runtime/index.js';
import { expectNccError } from '../frontends/expect-error.js';
import { allclose } from './shared-models.js';

export interface FixtureCase {
  readonly name: string;
  readonly io_config: { inputs: Record<string, [number[], string]> };
  readonly inputs: Record<string, string>;
  readonly outputs?: Record<string, string>;
  readonly tolerance?: { atol: number; rtol: number };
  readonly expect_error?: ErrorCode;
}

/** The cases of a folder: every `<case>.json` except those `skip` says are something else. */
export function fixtureCases(dir: string, skip: (file: string) => boolean = () => false): FixtureCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !skip(f))
    .sort()
    .map(
      (f) =>
        ({
          name: f.slice(0, -'.json'.length),
          ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as object),
        }) as FixtureCase,
    );
}

export async function expectFixtureCase(
  dir: string,
  c: FixtureCase,
  model: string,
  options: CompileOptions = {},
): Promise<void> {
  const npy = (file: string): Tensor => readNpy(readFileSync(join(dir, file)), file);
  const full = { ...options, ioConfig: parseIoConfig(JSON.stringify(c.io_config)) };
  if (c.expect_error) {
    expectNccError(() => compileModel(model, full), c.expect_error, c.name);
    return;
  }
  const { neff } = compileModel(model, full);
  const compiled = await load(neff);
  try {
    const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, npy(f).data]));
    const outputs = await compiled.run(feeds);
    const expected = Object.entries(c.outputs ?? {});
    assert.deepEqual(
      compiled.outputs.map((o) => o.name),
      expected.map(([k]) => k),
      'output names',
    );
    const { atol, rtol } = c.tolerance ?? { atol: 0, rtol: 0 };
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
}
