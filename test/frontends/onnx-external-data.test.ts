import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import {
  externalTensor,
  initializer,
  tempDir,
  tensorBytes,
  writeModel,
  type ExternalRef,
  type ModelSpec,
} from '../helpers/onnx-builder.js';
import { expectNccError } from './expect-error.js';

const W = fromNumbers('float32', [2, 3], [1, -2, 3.5, 4, 5e-3, -6]);
const B = fromNumbers('int64', [2], [7n, -(2n ** 40n)]);

function model(initializers: Record<string, unknown>[]): ModelSpec {
  return {
    inputs: [['x', 'float32', [2, 3]]],
    outputs: [['y', 'float32', [2, 3]]],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers,
  };
}

/** A model in a fresh folder whose tensor w lives in a side file written by `side` (relative path -> bytes). */
function modelWithSideFiles(
  ref: ExternalRef,
  side: Record<string, Uint8Array>,
  extra: Record<string, unknown>[] = [],
): string {
  const dir = tempDir();
  for (const [rel, bytes] of Object.entries(side)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  return writeModel(model([externalTensor('w', 'float32', [2, 3], ref), ...extra]), 'model.onnx', dir);
}

test('an external tensor is read from its side file at offset/length', () => {
  const payload = tensorBytes(W);
  const file = new Uint8Array(16 + payload.length + 5).fill(0xee);
  file.set(payload, 16);
  const path = modelWithSideFiles(
    { location: 'weights.bin', offset: 16, length: payload.length },
    { 'weights.bin': file },
  );
  const w = importOnnxFile(path).graph.initializers.get('w');
  assert.ok(w);
  assert.equal(w.dtype, 'float32');
  assert.deepEqual(w.shape, [2, 3]);
  assert.deepEqual(Array.from(w.data as Float32Array), Array.from(W.data as Float32Array));
});

test('two tensors share one side file in a subfolder; offset and length may be omitted', () => {
  const wBytes = tensorBytes(W);
  const bBytes = tensorBytes(B);
  const file = new Uint8Array(wBytes.length + bBytes.length);
  file.set(wBytes, 0);
  file.set(bBytes, wBytes.length);
  const path = modelWithSideFiles({ location: 'data/all.bin' }, { 'data/all.bin': file }, [
    externalTensor('b', 'int64', [2], {
      location: 'data/./all.bin',
      offset: wBytes.length,
      length: bBytes.length,
    }),
  ]);
  const g = importOnnxFile(path).graph;
  assert.deepEqual(
    Array.from(g.initializers.get('w')!.data as Float32Array),
    Array.from(W.data as Float32Array),
  );
  assert.deepEqual(
    Array.from(g.initializers.get('b')!.data as BigInt64Array),
    Array.from(B.data as BigInt64Array),
  );
});

test('a location outside the model folder is rejected before any file is read', () => {
  const payload = tensorBytes(W);
  const outside = tempDir();
  writeFileSync(join(outside, 'secret.bin'), payload);
  for (const location of [
    '../secret.bin',
    '../../etc/passwd',
    'data/../../secret.bin',
    join(outside, 'secret.bin'),
    '/etc/passwd',
    '..',
  ]) {
    const path = modelWithSideFiles({ location }, {});
    const e = expectNccError(() => importOnnxFile(path), 'NCC_BAD_MODEL', location);
    assert.match(e.message, /outside the model folder/, location);
  }
});

test('a missing side file is NCC_FILE_NOT_FOUND', () => {
  const path = modelWithSideFiles({ location: 'weights.bin' }, {});
  const e = expectNccError(() => importOnnxFile(path), 'NCC_FILE_NOT_FOUND');
  assert.match(e.message, /weights\.bin/);
});

test('a truncated side file, a wrong length or a bad offset is NCC_BAD_MODEL', () => {
  const payload = tensorBytes(W);
  const cases: [string, ExternalRef, Uint8Array][] = [
    ['file shorter than the tensor', { location: 'w.bin' }, payload.subarray(0, payload.length - 1)],
    ['offset runs past the end', { location: 'w.bin', offset: 8 }, payload],
    ['length disagrees with the dims', { location: 'w.bin', length: payload.length - 4 }, payload],
    ['negative offset', { location: 'w.bin', offset: -4 }, payload],
    ['empty file', { location: 'w.bin' }, new Uint8Array(0)],
  ];
  for (const [what, ref, bytes] of cases) {
    const path = modelWithSideFiles(ref, { 'w.bin': bytes });
    expectNccError(() => importOnnxFile(path), 'NCC_BAD_MODEL', what);
  }
  const noLocation = writeModel(
    model([{ ...externalTensor('w', 'float32', [2, 3], { location: 'x' }), external_data: [] }]),
  );
  expectNccError(() => importOnnxFile(noLocation), 'NCC_BAD_MODEL', 'no location');
});

test('the inline form of the same tensor imports to the same values', () => {
  const g = importOnnxFile(writeModel(model([initializer('w', W)]))).graph;
  assert.deepEqual(
    Array.from(g.initializers.get('w')!.data as Float32Array),
    Array.from(W.data as Float32Array),
  );
});
