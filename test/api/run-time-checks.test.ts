import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/index.js';
import { isNccError, load } from '../../src/runtime/index.js';
import { readNeff } from '../../src/neff/reader.js';
import { writeModel } from '../helpers/onnx-builder.js';

/**
 * Input values compiled code cannot honour fail the run with a clear error: Dropout whose training
 * flag and ratio arrive as inputs runs as the identity unless both are set.
 */
test('a run-time check raises its message; other input values run normally', async () => {
  const path = writeModel({
    inputs: [
      ['x', 'float32', [4]],
      ['ratio', 'float32', []],
      ['training', 'bool', []],
    ],
    outputs: [['y', 'float32', [4]]],
    nodes: [{ op: 'Dropout', inputs: ['x', 'ratio', 'training'], outputs: ['y'] }],
    opset: 13,
  });
  const { neff } = await compile(path, { optLevel: 1 });
  const checks = readNeff(neff).contents.metadata.checks;
  assert.ok(checks, 'the NEFF records its check word');
  assert.equal(checks.messages.length, 1);
  const model = await load(neff);
  const x = new Float32Array([1, -2, 3, -4]);
  const run = (ratio: number, training: number) =>
    model.run({ x, ratio: new Float32Array([ratio]), training: new Uint8Array([training]) });
  assert.deepEqual([...((await run(0.5, 0)).y as Float32Array)], [1, -2, 3, -4]);
  assert.deepEqual([...((await run(0, 1)).y as Float32Array)], [1, -2, 3, -4]);
  await assert.rejects(
    run(0.5, 1),
    (e: unknown) => isNccError(e) && e.code === 'NCC_BAD_INPUT' && /training mode/.test(e.message),
  );
  // the failure does not stick: the check word is cleared before every run
  assert.deepEqual([...((await run(0.5, 0)).y as Float32Array)], [1, -2, 3, -4]);
  model.dispose();
});
