import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAutoCast, parseAutoCast } from '../../src/options/auto-cast.js';
import { isNccError } from '../../src/errors.js';

test('auto-cast options: neuronx-cc spellings, defaults none and bf16', () => {
  assert.deepEqual(parseAutoCast({}), { mode: 'none', type: 'bfloat16' });
  assert.deepEqual(parseAutoCast({ autoCast: 'matmult' }), { mode: 'matmult', type: 'bfloat16' });
  assert.deepEqual(parseAutoCast({ autoCast: 'ALL', autoCastType: 'fp16' }), {
    mode: 'all',
    type: 'float16',
  });
  assert.deepEqual(parseAutoCast({ autoCast: 'none', autoCastType: 'bf16' }), {
    mode: 'none',
    type: 'bfloat16',
  });
  assert.equal(describeAutoCast({ mode: 'matmult', type: 'float16' }), 'matmult (fp16)');
  assert.equal(describeAutoCast({ mode: 'none', type: 'bfloat16' }), 'none');
});

test("neuron-cc's older --fp32-cast and --fast-math values are aliases", () => {
  assert.deepEqual(parseAutoCast({ fp32Cast: 'matmult-bf16' }), { mode: 'matmult', type: 'bfloat16' });
  assert.deepEqual(parseAutoCast({ fp32Cast: 'matmult-fp16' }), { mode: 'matmult', type: 'float16' });
  assert.deepEqual(parseAutoCast({ fp32Cast: 'all' }), { mode: 'all', type: 'bfloat16' });
  assert.deepEqual(parseAutoCast({ fastMath: ['fp32-cast-matmult', 'no-fast-relayout'] }), {
    mode: 'matmult',
    type: 'bfloat16',
  });
  assert.deepEqual(parseAutoCast({ fastMath: 'fp32-cast-all-fp16' }), { mode: 'all', type: 'float16' });
  assert.deepEqual(parseAutoCast({ fastMath: 'none' }), { mode: 'none', type: 'bfloat16' });
  // agreeing spellings together are fine
  assert.deepEqual(parseAutoCast({ autoCast: 'matmult', fp32Cast: 'matmult-fp16', autoCastType: 'fp16' }), {
    mode: 'matmult',
    type: 'float16',
  });
});

test('bad or contradicting auto-cast flags are NCC_BAD_OPTION with a hint', () => {
  const bad = (flags: Parameters<typeof parseAutoCast>[0], message: RegExp): void => {
    assert.throws(
      () => parseAutoCast(flags),
      (e: unknown) => isNccError(e) && e.code === 'NCC_BAD_OPTION' && message.test(e.message) && !!e.hint,
    );
  };
  bad({ autoCast: 'fp8' }, /--auto-cast fp8 is not an auto-cast setting/);
  bad({ autoCastType: 'tf32' }, /--auto-cast-type tf32/);
  bad({ fp32Cast: 'sometimes' }, /--fp32-cast sometimes/);
  bad({ fastMath: ['fast'] }, /--fast-math fast/);
  bad({ autoCast: 'matmult', fp32Cast: 'all' }, /ask for different auto-casts/);
  bad({ autoCastType: 'bf16', fp32Cast: 'matmult-fp16' }, /ask for different auto-casts/);
});
