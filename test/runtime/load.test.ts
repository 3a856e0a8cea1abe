import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeNeff } from '../../src/neff/writer.js';
import { load, isNccError, type ErrorCode, type Model } from '../../src/runtime/index.js';
import { selectVariant } from '../../src/runtime/select.js';
import {
  RELAXED,
  SIMD,
  THREADED,
  THREADED_RELAXED,
  abiWat,
  expectedY,
  sampleContents,
  sampleFeeds,
  sampleNeff,
  type VariantSpec,
} from './sample-model.js';

async function expectReject(
  p: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<Error & { hint?: string; subject?: { file?: string } }> {
  try {
    await p;
  } catch (e) {
    if (!isNccError(e)) throw e;
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  return assert.fail(`expected ${code}, the promise resolved`);
}

async function check(model: Model, variant: number): Promise<void> {
  const feeds = sampleFeeds();
  const out = await model.run(feeds);
  assert.deepEqual(Object.keys(out), ['y', 'ids_out', 'variant']);
  assert.ok(out.y instanceof Float32Array);
  assert.deepEqual([...out.y], expectedY(feeds.x));
  assert.ok(out.ids_out instanceof BigInt64Array);
  assert.deepEqual([...out.ids_out], [...feeds.ids]);
  assert.ok(out.variant instanceof Int32Array);
  assert.deepEqual([...out.variant], [variant]);
}

test('load and run: metadata, outputs of every kind, the best variant (relaxed SIMD, enabled on Node 20 by the runtime)', async () => {
  const model = await load(sampleNeff([RELAXED, SIMD]));
  assert.deepEqual(model.inputs, [
    { name: 'x', dtype: 'float32', shape: [2, 4] },
    { name: 'ids', dtype: 'int64', shape: [3] },
  ]);
  assert.deepEqual(
    model.outputs.map((o) => [o.name, o.dtype, o.shape]),
    [
      ['y', 'float32', [2, 4]],
      ['ids_out', 'int64', [3]],
      ['variant', 'int32', []],
    ],
  );
  assert.deepEqual(model.features, ['simd128', 'relaxed-simd']);
  assert.equal(model.metadata.model.name, 'axpb');
  await check(model, 2);
  model.dispose();
});

test('a restricted feature set picks the fallback variant', async () => {
  const model = await load(sampleNeff([RELAXED, SIMD]), { features: ['simd128', 'threads'] });
  assert.deepEqual(model.features, ['simd128']);
  await check(model, 1);
});

test('a threads variant runs on shared memory (Node always has it), or unshared on one thread', async () => {
  const model = await load(sampleNeff([THREADED, SIMD]), { threads: 2 });
  assert.deepEqual(model.features, ['simd128', 'threads']);
  assert.equal(model.threads, 2);
  await check(model, 3);
  model.dispose();
  // leaving out 'threads' runs the same variant on one thread over an unshared memory
  const single = await load(sampleNeff([THREADED, SIMD]), { features: ['simd128'] });
  assert.deepEqual(single.features, ['simd128']);
  assert.equal(single.threads, 1);
  await check(single, 3);
  // an engine that refuses atomics on unshared memory takes the next variant
  const variants = sampleContents([THREADED, SIMD]).variants;
  const all = async (): Promise<boolean> => true;
  const noThreads = async (f: string): Promise<boolean> => f !== 'threads';
  assert.equal((await selectVariant(variants, all)).shared, true);
  assert.equal((await selectVariant(variants, noThreads, undefined, () => true)).index, 0);
  assert.equal((await selectVariant(variants, noThreads, undefined, () => false)).index, 1);
});

test('no variant fits: NEFF_UNSUPPORTED_HOST names what is missing', async () => {
  const bytes = sampleNeff([RELAXED, THREADED_RELAXED]);
  const e = await expectReject(
    load(bytes, { features: ['simd128'] }),
    'NEFF_UNSUPPORTED_HOST',
    /variant 1 needs relaxed-simd; variant 2 needs relaxed-simd \+ threads \(features allowed: simd128\)/,
  );
  assert.match(e.hint!, /relaxed SIMD needs/);
  assert.match(e.hint!, /Cross-Origin-Opener-Policy/);
  await expectReject(
    load(sampleNeff([SIMD]), { features: [] }),
    'NEFF_UNSUPPORTED_HOST',
    /variant 1 needs simd128/,
  );
});

test('outputs are copies: later runs and dispose() leave them alone', async () => {
  const model = await load(sampleNeff([SIMD]));
  const feeds = sampleFeeds();
  const first = await model.run(feeds);
  const x2 = feeds.x.map((v) => v * 10);
  const second = await model.run({ ...feeds, x: x2 });
  assert.deepEqual([...first.y!], expectedY(feeds.x));
  assert.deepEqual([...second.y!], expectedY(x2));
  model.dispose();
  model.dispose();
  assert.deepEqual([...first.y!], expectedY(feeds.x));
  const e = await expectReject(model.run(feeds), 'NCC_BAD_INPUT', /disposed/);
  assert.match(e.hint!, /load the NEFF again/);
});

test('feeds may be views into larger buffers (Node Buffers, subarrays)', async () => {
  const model = await load(sampleNeff([SIMD]));
  const backing = new Float32Array(20);
  const x = backing.subarray(5, 13);
  x.set(sampleFeeds().x);
  const out = await model.run({ x, ids: sampleFeeds().ids });
  assert.deepEqual([...out.y!], expectedY(sampleFeeds().x));
});

test('load() takes bytes in any view, an ArrayBuffer, a path or a file URL', async () => {
  const bytes = sampleNeff([SIMD]);
  const padded = new Uint8Array(bytes.length + 16);
  padded.set(bytes, 16);
  await check(await load(padded.subarray(16)), 1);
  await check(
    await load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer),
    1,
  );
  const dir = mkdtempSync(join(tmpdir(), 'neff-'));
  try {
    const file = join(dir, 'model.neff');
    writeFileSync(file, bytes);
    await check(await load(file), 1);
    await check(await load(pathToFileURL(file)), 1);

    const missing = join(dir, 'missing.neff');
    const e = await expectReject(load(missing), 'NCC_FILE_NOT_FOUND', /cannot read the NEFF/);
    assert.equal(e.subject!.file, missing);

    const damaged = join(dir, 'damaged.neff');
    writeFileSync(damaged, bytes.subarray(0, 100));
    const d = await expectReject(load(damaged), 'NEFF_CORRUPT', /truncated/);
    assert.equal(d.subject!.file, damaged);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await expectReject(load(42 as unknown as Uint8Array), 'NCC_BAD_INPUT', /load\(\) takes NEFF bytes/);
});

test('bad options are NCC_BAD_OPTION', async () => {
  const bytes = sampleNeff([SIMD]);
  for (const threads of [0, -1, 1.5, 5000, NaN])
    await expectReject(load(bytes, { threads }), 'NCC_BAD_OPTION', /threads must be an integer/);
  await expectReject(
    load(bytes, { features: ['avx2' as 'simd128'] }),
    'NCC_BAD_OPTION',
    /unknown WebAssembly feature 'avx2'/,
  );
  await expectReject(
    load(bytes, { compile: 'eager' as 'lazy' }),
    'NCC_BAD_OPTION',
    /compile must be 'optimized' or 'lazy'/,
  );
});

test('both compile modes run the model and give the same outputs', async () => {
  const outputs = [];
  for (const compile of ['optimized', 'lazy'] as const) {
    const model = await load(sampleNeff([SIMD]), { compile });
    outputs.push(await model.run(sampleFeeds()));
    model.dispose();
  }
  assert.deepEqual(outputs[0], outputs[1]);
});

test('code that breaks the module ABI is NEFF_CORRUPT; a trap in run is NCC_INTERNAL', async () => {
  const variant = (wat: string): VariantSpec[] => [{ features: [], body: { wat }, id: 0 }];
  await expectReject(
    load(sampleNeff(variant(abiWat('(func (export "start"))')))),
    'NEFF_CORRUPT',
    /variant 1 exports no run\(tid, threads\) function/,
  );
  await expectReject(
    load(
      sampleNeff(
        variant('(module (import "env" "clock" (func $c)) (func (export "run") (param i32 i32) (call $c)))'),
      ),
    ),
    'NEFF_CORRUPT',
    /variant 1 does not load/,
  );
  // a memory import that wants more pages than the metadata plans
  await expectReject(
    load(
      sampleNeff(
        variant('(module (import "env" "memory" (memory 4 4)) (func (export "run") (param i32 i32)))'),
      ),
    ),
    'NEFF_CORRUPT',
    /does not load/,
  );
  // the ABI and nothing more: loads and runs
  const noop = await load(sampleNeff(variant(abiWat('(func (export "run") (param i32 i32))'))));
  await noop.run(sampleFeeds());
  const trapping = await load(
    sampleNeff(variant(abiWat('(func (export "run") (param i32 i32) unreachable)'))),
  );
  const e = await expectReject(trapping.run(sampleFeeds()), 'NCC_INTERNAL', /the model's code trapped/);
  assert.match(e.hint!, /compiler bug/);
});

test('wasm bytes the engine refuses are NEFF_CORRUPT', async () => {
  const contents = sampleContents([SIMD]);
  // a valid header followed by a section id no engine knows
  const wasm = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x7f, 0x01, 0x00]);
  await expectReject(
    load(writeNeff({ ...contents, variants: [{ features: [], wasm }] })),
    'NEFF_CORRUPT',
    /code variant 1 does not load/,
  );
});
