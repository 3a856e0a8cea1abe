import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnxBytes, importOnnxFile } from '../../src/frontends/onnx/import.js';
import { tempDir, writeModel } from '../helpers/onnx-builder.js';
import { SHARED } from '../helpers/shared-models.js';
import { expectNccError } from './expect-error.js';

/**
 * Whatever the bytes, import either succeeds or throws a coded NccError: never a decoder crash,
 * never a hang. The per-test timeout turns a hang into a failure.
 */
const CODES = ['NCC_BAD_MODEL', 'NCC_FILE_NOT_FOUND'] as const;
const MLP = join(SHARED, 'models/onnx/mlp_tiny/model.onnx');
const NO_SHARED = existsSync(MLP) ? false : `${MLP} is not present`;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

test('random bytes are NCC_BAD_MODEL', { timeout: 60_000 }, () => {
  for (let seed = 1; seed <= 200; seed++) {
    const next = lcg(seed);
    const bytes = new Uint8Array(1 + (next() % 4096)).map(() => next() & 0xff);
    expectNccError(
      () => importOnnxBytes(bytes, { path: `random-${seed}.onnx`, baseDir: tempDir() }),
      'NCC_BAD_MODEL',
      `seed ${seed}`,
    );
  }
});

test('random bytes in a file are NCC_BAD_MODEL', { timeout: 10_000 }, () => {
  const next = lcg(7);
  const path = writeModel(
    new Uint8Array(1000).map(() => next() & 0xff),
    'random.onnx',
  );
  const e = expectNccError(() => importOnnxFile(path), 'NCC_BAD_MODEL');
  assert.equal(e.subject.file, path);
  assert.ok(e.hint, 'the error carries a hint');
});

test('a truncated real model is NCC_BAD_MODEL', { skip: NO_SHARED, timeout: 60_000 }, () => {
  const full = readFileSync(MLP);
  const path = writeModel(full.subarray(0, Math.floor(full.length * 0.6)), 'truncated.onnx');
  expectNccError(() => importOnnxFile(path), 'NCC_BAD_MODEL', '60%');
  // every cut, at a coarser step: a cut may land on a field boundary and still decode
  for (let cut = 1; cut < full.length; cut += 997) {
    const bytes = full.subarray(0, cut);
    try {
      importOnnxBytes(bytes, { path: `cut-${cut}.onnx`, baseDir: tempDir() });
    } catch (e) {
      expectNccError(
        () => {
          throw e;
        },
        CODES,
        `cut at ${cut}`,
      );
    }
  }
});

test(
  'single flipped bytes of a real model give a model or a coded error',
  { skip: NO_SHARED, timeout: 120_000 },
  () => {
    const full = readFileSync(MLP);
    const next = lcg(99);
    for (let k = 0; k < 300; k++) {
      const bytes = Uint8Array.from(full);
      const at = next() % bytes.length;
      bytes[at] = next() & 0xff;
      try {
        importOnnxBytes(bytes, { path: `flip-${at}.onnx`, baseDir: tempDir() });
      } catch (e) {
        expectNccError(
          () => {
            throw e;
          },
          [...CODES, 'NCC_UNSUPPORTED_DTYPE'],
          `byte ${at}`,
        );
      }
    }
  },
);

test('an empty file is NCC_BAD_MODEL', () => {
  const path = join(tempDir(), 'empty.onnx');
  writeFileSync(path, new Uint8Array(0));
  expectNccError(() => importOnnxFile(path), 'NCC_BAD_MODEL');
});

test('a directory is NCC_FILE_NOT_FOUND', () => {
  const e = expectNccError(() => importOnnxFile(tempDir()), CODES);
  assert.equal(e.code, 'NCC_FILE_NOT_FOUND');
});

test('a missing path is NCC_FILE_NOT_FOUND', () => {
  const path = join(tempDir(), 'nope', 'model.onnx');
  const e = expectNccError(() => importOnnxFile(path), 'NCC_FILE_NOT_FOUND');
  assert.equal(e.subject.file, path);
});

test('a text file is NCC_BAD_MODEL', () => {
  const path = writeModel(new TextEncoder().encode('{"this is": "json, not onnx"}\n'), 'text.onnx');
  expectNccError(() => importOnnxFile(path), 'NCC_BAD_MODEL');
});
