/**
 * Bucketed NEFFs: bert_tiny_dynamic compiled for sequence lengths 16, 32 and 64 (batch 1) into one
 * file whose buckets share one weights pool; every case stored with the model (lengths 8, 20, 32 and
 * 64, and a batch of 2 with padding) runs padded into its bucket, split into batch-1 runs, cropped
 * back, and matches the reference; a length above the largest bucket is a coded error; the format
 * checks a bucketed file like any other, from bytes or from a file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileBuckets, type BucketCompileResult } from '../../src/driver/buckets.js';
import { isNccError } from '../../src/errors.js';
import { readNeff } from '../../src/neff/reader.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { BucketedModel, load, type ShapedTensor } from '../../src/runtime/index.js';
import type { TypedArray } from '../../src/runtime/feeds.js';
import { allclose, sharedModels, type SharedModel } from '../helpers/shared-models.js';

let compiled: { model: SharedModel; result: BucketCompileResult } | undefined;
function bucketed(): { model: SharedModel; result: BucketCompileResult } {
  if (compiled) return compiled;
  const model = sharedModels('onnx').find((m) => m.folder === 'bert_tiny_dynamic');
  assert.ok(model, '../shared/models/onnx/bert_tiny_dynamic is missing');
  const result = compileBuckets(model.file, {
    buckets: new Map([['sequence', [16, 32, 64]]]),
    ioConfig: parseIoConfig('{"dims": {"batch": 1}}'),
  });
  compiled = { model, result };
  return compiled;
}

test('every case of bert_tiny_dynamic runs padded into its bucket (and batch 2 in two runs) and matches', async () => {
  const { model, result } = bucketed();
  assert.equal(result.buckets, 3);
  // the weights are stored once: the pool is close to one bucket's image, not to three
  assert.ok(
    result.poolBytes < 0.4 * result.weightsBytes,
    `pool ${result.poolBytes} of ${result.weightsBytes}`,
  );
  assert.ok(result.neff.byteLength < result.poolBytes * 1.2);
  const loaded = (await load(result.neff, { threads: 1 })) as BucketedModel;
  assert.ok(loaded instanceof BucketedModel);
  try {
    const cases = model.cases();
    assert.deepEqual(
      cases.map((c) => c.name),
      ['default', 'seq8', 'seq20', 'seq64', 'b2_seq16'],
    );
    for (const c of cases) {
      const out: Record<string, ShapedTensor> = await loaded.runShaped(
        Object.fromEntries(
          [...c.inputs].map(([k, t]) => [k, { data: t.data as TypedArray, shape: t.shape }]),
        ),
      );
      for (const [name, expected] of c.outputs) {
        const t = out[name]!;
        assert.deepEqual(t.shape, expected.shape, `${c.name} ${name} shape`);
        const diff = allclose(
          { ...t, shape: [...t.shape] } as never,
          expected,
          model.tolerance!.atol,
          model.tolerance!.rtol,
        );
        assert.equal(diff, undefined, `${c.name} ${name}: ${diff}`);
      }
    }
  } finally {
    loaded.dispose();
  }
});

test('an input longer than the largest bucket is NCC_BAD_INPUT naming the sizes', async () => {
  const { result } = bucketed();
  const loaded = (await load(result.neff, { threads: 1 })) as BucketedModel;
  try {
    const ids = { data: new BigInt64Array(100), shape: [1, 100] };
    await assert.rejects(
      loaded.runShaped({ input_ids: ids, attention_mask: ids }),
      (e: unknown) =>
        isNccError(e) &&
        e.code === 'NCC_BAD_INPUT' &&
        /no bucket fits sequence 100: the largest is sequence 64/.test(e.message),
    );
    const short = { data: new BigInt64Array(8), shape: [1, 8] };
    await assert.rejects(
      loaded.runShaped({ input_ids: short, attention_mask: ids }),
      (e: unknown) =>
        isNccError(e) && e.code === 'NCC_BAD_INPUT' && /sequence is 8 in one input and 100/.test(e.message),
    );
  } finally {
    loaded.dispose();
  }
});

test('a bucketed file reads from disk, and damage to its table or pool is NEFF_CORRUPT', async () => {
  const { result } = bucketed();
  const file = readNeff(result.neff);
  assert.equal(file.version.minor, 2);
  assert.ok(file.buckets);
  assert.deepEqual(
    file.buckets.table.buckets.map((b) => b.dims.sequence),
    [16, 32, 64],
  );
  const table = file.sections.find((s) => s.kind === 'buckets')!;
  const pool = file.sections.find((s) => s.kind === 'weights')!;
  for (const at of [table.offset + 3, pool.offset + 1000, pool.offset + pool.length - 1]) {
    const bad = result.neff.slice();
    bad[at]! ^= 0x04;
    assert.throws(
      () => readNeff(bad),
      (e: unknown) => isNccError(e) && e.code === 'NEFF_CORRUPT',
      `byte ${at}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'ncc-buckets-'));
  try {
    const path = join(dir, 'b.neff');
    writeFileSync(path, result.neff);
    const loaded = (await load(path, { threads: 1 })) as BucketedModel;
    const ids = { data: new BigInt64Array(12).fill(3n), shape: [1, 12] };
    const mask = { data: new BigInt64Array(12).fill(1n), shape: [1, 12] };
    const out = await loaded.runShaped({ input_ids: ids, attention_mask: mask });
    assert.deepEqual(out.last_hidden_state!.shape, [1, 12, 128]);
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
