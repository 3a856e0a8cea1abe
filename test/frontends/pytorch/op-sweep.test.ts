/**
 * The aten mapping table against PyTorch itself: each case in test/fixtures/torchscript-ops is a
 * tiny TorchScript module (traced or scripted by scripts/make-torch-op-cases.py) with its inputs
 * and the outputs PyTorch computed, stored once so that no Python runs here. Every case compiles
 * with its io_config and must reproduce each output's dtype, shape and values within the case's
 * tolerance; cases marked expect_error must be refused with that NccError code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectFixtureCase, fixtureCases } from '../../helpers/fixture-cases.js';
import { ROOT } from '../../helpers/shared-models.js';

const DIR = join(ROOT, 'test/fixtures/torchscript-ops');
const CASES = fixtureCases(DIR);

test('the fixture folder holds the sweep', () => {
  assert.ok(CASES.length >= 100, `${CASES.length} cases in ${DIR}`);
});

for (const c of CASES) {
  test(`torch op case ${c.name}`, () => expectFixtureCase(DIR, c, join(DIR, `${c.name}.pt`)));
}
