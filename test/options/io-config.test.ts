import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_IO_CONFIG, parseIoConfig } from '../../src/options/io-config.js';
import { tempDir } from '../helpers/onnx-builder.js';
import { expectNccError } from '../frontends/expect-error.js';
import { isNccError } from '../../src/errors.js';
import { randomData } from '../../src/cli/commands/feeds.js';

test('inline JSON: inputs with and without dtype, dims and outputs', () => {
  const c = parseIoConfig(
    '  {"inputs": {"x": [[1,3,224,224], "float32"], "mask": [2, 8]}, "dims": {"batch": 4, "seq": 0}, "outputs": ["y", "z:0"]}',
  );
  assert.deepEqual([...c.inputs.keys()], ['x', 'mask']);
  assert.deepEqual(c.inputs.get('x'), { shape: [1, 3, 224, 224], dtype: 'float32' });
  assert.deepEqual(c.inputs.get('mask'), { shape: [2, 8], dtype: undefined });
  assert.deepEqual(
    [...c.dims],
    [
      ['batch', 4],
      ['seq', 0],
    ],
  );
  assert.deepEqual(c.outputs, ['y', 'z:0']);
});

test('an empty object is the empty config; a scalar input has shape []', () => {
  const c = parseIoConfig('{}');
  assert.equal(c.inputs.size, EMPTY_IO_CONFIG.inputs.size);
  assert.equal(c.dims.size, 0);
  assert.equal(c.outputs, undefined);
  assert.deepEqual(parseIoConfig('{"inputs": {"s": [[], "int64"]}}').inputs.get('s'), {
    shape: [],
    dtype: 'int64',
  });
});

test('a file path is read as JSON', () => {
  const path = join(tempDir(), 'io.json');
  writeFileSync(path, JSON.stringify({ inputs: { 'input_ids:0': [[1, 16], 'int64'] }, dims: { batch: 1 } }));
  const c = parseIoConfig(path);
  assert.deepEqual(c.inputs.get('input_ids:0'), { shape: [1, 16], dtype: 'int64' });
  assert.equal(c.dims.get('batch'), 1);
  const bad = join(tempDir(), 'bad.json');
  writeFileSync(bad, '{"inputs": ');
  expectNccError(() => parseIoConfig(bad), 'NCC_BAD_OPTION', 'bad JSON in a file');
});

test('malformed configs are NCC_BAD_OPTION with a hint', () => {
  const cases: [string, string, RegExp][] = [
    ['a path that does not exist', join(tempDir(), 'missing.json'), /neither JSON nor an existing file/],
    ['bad JSON', '{"inputs": {"x": [[1,2], "float32"]', /not valid JSON/],
    ['trailing comma', '{"inputs": {},}', /not valid JSON/],
    ['unknown key', '{"input": {"x": [[1], "float32"]}}', /unknown key "input"/],
    ['bad dtype', '{"inputs": {"x": [[1,2], "float"]}}', /dtype/],
    ['dtype not a string', '{"inputs": {"x": [[1,2], 1]}}', /dtype/],
    ['negative dim', '{"inputs": {"x": [[1,-2], "float32"]}}', /non-negative integers/],
    ['fractional dim', '{"inputs": {"x": [1.5]}}', /non-negative integers/],
    ['string dim', '{"inputs": {"x": [["batch", 2], "float32"]}}', /non-negative integers/],
    ['inputs not an object', '{"inputs": [1, 2]}', /"inputs"/],
    ['dims not an object', '{"dims": 3}', /"dims"/],
    ['dim not an integer', '{"dims": {"batch": "4"}}', /dim "batch"/],
    ['negative named dim', '{"dims": {"batch": -1}}', /dim "batch"/],
    ['outputs not a list', '{"outputs": "y"}', /"outputs"/],
    ['outputs not strings', '{"outputs": [1]}', /"outputs"/],
    ['not an object', '{"inputs": 1} trailing', /not valid JSON/],
  ];
  for (const [what, text, message] of cases) {
    const e = expectNccError(() => parseIoConfig(text), 'NCC_BAD_OPTION', what);
    assert.match(e.message, message, what);
    assert.match(e.hint ?? '', /--io-config/, `${what}: hint`);
  }
});

test('"ranges" declares the values tools make up for an input; bad ranges are option errors', () => {
  const io = parseIoConfig(
    '{"inputs": {"ids": [[1, 8], "int64"]}, "ranges": {"ids": [5, 9], "x": [-0.5, 0.5]}}',
  );
  assert.deepEqual(
    [...io.ranges!],
    [
      ['ids', [5, 9]],
      ['x', [-0.5, 0.5]],
    ],
  );
  assert.equal(parseIoConfig('{"inputs": {}}').ranges, undefined);
  for (const bad of [
    '{"ranges": {"x": [1, 1]}}',
    '{"ranges": {"x": [0]}}',
    '{"ranges": {"x": ["a", 2]}}',
    '{"ranges": []}',
  ])
    assert.throws(
      () => parseIoConfig(bad),
      (e: unknown) => isNccError(e) && e.code === 'NCC_BAD_OPTION',
      bad,
    );
  const ids = randomData({ name: 'ids', dtype: 'int64', shape: [1, 400] }, 3, io.ranges!.get('ids'));
  const values = [...(ids as BigInt64Array)].map(Number);
  assert.ok(values.every((v) => v >= 5 && v <= 8 && Number.isInteger(v)));
  assert.deepEqual([...new Set(values)].sort(), [5, 6, 7, 8]);
  const x = randomData({ name: 'x', dtype: 'float32', shape: [500] }, 4, [-0.5, 0.5]) as Float32Array;
  assert.ok([...x].every((v) => v >= -0.5 && v < 0.5));
});
