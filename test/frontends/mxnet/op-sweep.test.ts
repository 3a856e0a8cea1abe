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
import { join } from 'node:path';
import { expectFixtureCase, fixtureCases } from '../../helpers/fixture-cases.js';
import { ROOT } from '../../helpers/shared-models.js';

const DIR = join(ROOT, 'test/fixtures/mxnet-ops');
// <case>.json describes a case; <case>-symbol.json is its graph
const CASES = fixtureCases(DIR, (f) => f.endsWith('-symbol.json'));

test('the fixture folder holds the sweep', () => {
  assert.ok(CASES.length >= 130, `${CASES.length} cases in ${DIR}`);
});

for (const c of CASES) {
  test(`mxnet op case ${c.name}`, () =>
    expectFixtureCase(DIR, c, join(DIR, `${c.name}-symbol.json`), {
      framework: 'mxnet',
      params: join(DIR, `${c.name}-0000.params`),
    }));
}
