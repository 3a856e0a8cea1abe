import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTROL as COMPILER_CONTROL, STATUS as COMPILER_STATUS } from '../../src/backend/wasm/threads.js';
import { THREADS_SECTION as COMPILER_SECTION } from '../../src/backend/wasm/index.js';
import { CONTROL, STATUS, THREADS_SECTION } from '../../src/runtime/abi.js';
import { load, isNccError } from '../../src/runtime/index.js';
import { ROOT } from '../helpers/shared-models.js';
import { SIMD, THREADED, abiWat, sampleFeeds, sampleNeff } from './sample-model.js';

/** Workers' lives: a trap in one is an error everywhere, and a disposed model lets Node exit. */

test('the runtime and the compiler agree on the threads ABI', () => {
  assert.equal(CONTROL.generation, COMPILER_CONTROL.generation);
  assert.equal(CONTROL.abort, COMPILER_CONTROL.abort);
  assert.deepEqual(STATUS, COMPILER_STATUS);
  assert.equal(THREADS_SECTION, COMPILER_SECTION);
});

for (const compile of ['optimized', 'lazy'] as const)
  test(
    `a trap in a worker while thread 0 waits: coded error, no hang (code compiled ${compile})`,
    { timeout: 30_000 },
    async () => {
      // thread 1 traps; thread 0 reports `waiting` until the abort word is set, as a barrier would (a
      // run on one thread, like the first of lazily compiled code, just ends)
      const wat = abiWat(
        `(func (export "run") (param $tid i32) (param $n i32) (result i32)
      (if (i32.eq (local.get $n) (i32.const 1)) (then (return (i32.const 0))))
      (if (local.get $tid) (then unreachable))
      (if (i32.atomic.load offset=${CONTROL.abort} (i32.const 0)) (then (return (i32.const 1))))
      (i32.const 2))`,
        true,
      );
      const model = await load(sampleNeff([{ features: ['simd128', 'threads'], body: { wat }, id: 0 }]), {
        threads: 2,
        compile,
      });
      try {
        if (compile === 'lazy') await model.run(sampleFeeds()); // its first run uses thread 0 alone
        for (let i = 0; i < 2; i++) {
          await assert.rejects(model.run(sampleFeeds()), (e: unknown) => {
            assert.ok(isNccError(e));
            assert.equal(e.code, 'NCC_INTERNAL');
            assert.match(e.message, /the model's code trapped in thread 1/);
            assert.match(e.hint!, /compiler bug/);
            return true;
          });
        }
      } finally {
        model.dispose();
      }
    },
  );

test(
  'dispose() while thread 0 waits for the others ends the run with an error',
  { timeout: 30_000 },
  async () => {
    // thread 0 reports `waiting` until the abort word is set; the worker has nothing to do
    const wat = abiWat(
      `(func (export "run") (param $tid i32) (param $n i32) (result i32)
      (if (i32.or (local.get $tid) (i32.eq (local.get $n) (i32.const 1))) (then (return (i32.const 0))))
      (if (i32.atomic.load offset=${CONTROL.abort} (i32.const 0)) (then (return (i32.const 1))))
      (i32.const 2))`,
      true,
    );
    const model = await load(sampleNeff([{ features: ['simd128', 'threads'], body: { wat }, id: 0 }]), {
      threads: 2,
    });
    const running = model.run(sampleFeeds());
    setTimeout(() => model.dispose(), 20);
    await assert.rejects(running, /disposed/);
    await assert.rejects(model.run(sampleFeeds()), /disposed/);
  },
);

/** Runs `body` (ES module code with `load`, `neff` and `feeds` in scope) in a fresh Node. */
function child(
  body: string,
  neff: Uint8Array,
): { status: number | null; signal: string | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-threads-'));
  try {
    const file = join(dir, 'model.neff');
    writeFileSync(file, neff);
    const runtime = pathToFileURL(join(ROOT, 'dist/src/runtime/index.js')).href;
    const feeds = sampleFeeds();
    const script = `import { load } from ${JSON.stringify(runtime)};
      const neff = ${JSON.stringify(file)};
      const feeds = { x: Float32Array.from(${JSON.stringify([...feeds.x])}),
        ids: BigInt64Array.from([${[...feeds.ids].map((v) => `${v}n`).join(', ')}]) };
      ${body}`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 20_000,
      encoding: 'utf8',
    });
    return { status: r.status, signal: r.signal, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const dispose of [true, false]) {
  test(`Node exits after runs on worker threads${dispose ? ' and dispose()' : ', even without dispose()'}`, () => {
    const r = child(
      `const model = await load(neff, { threads: 3 });
       if (model.threads !== 3) throw new Error('threads ' + model.threads);
       for (let i = 0; i < 3; i++) await model.run(feeds);
       ${dispose ? 'model.dispose();' : ''}`,
      sampleNeff([THREADED, SIMD]),
    );
    assert.equal(r.signal, null, `the process hung: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
  });
}

test("a lone thread at a barrier gets control back even in Node 20's baseline compiler", () => {
  // a real threads module with barriers, thread 0 of 2 alone: run must return `waiting`, not hang
  // (--liftoff-only: V8's baseline code once lost the timeout of a wait inside a loop)
  const script = `
    import { compileStaticModel } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/driver/compile.js')).href)};
    import { readNeff } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/neff/reader.js')).href)};
    import { nodeGraph } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/test/helpers/lowering-harness.js')).href)};
    const x = { name: 'x', value: { dtype: 'float32', shape: [64, 64], data: new Float32Array(4096) } };
    const graph = nodeGraph('Relu', [x]);
    const model = { name: 't', graph, opsets: new Map([['', 17]]), producer: 't', source: { format: 'onnx', path: 't' } };
    const { variants, metadata } = readNeff(compileStaticModel(model).neff).contents;
    const v = variants.find((v) => !v.features.includes('relaxed-simd'));
    const pages = metadata.memory.totalBytes / 65536;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const { instance } = await WebAssembly.instantiate(v.wasm, { env: { memory } });
    const status = instance.exports.run(0, 2);
    if (status !== 2) throw new Error('status ' + status);`;
  const r = spawnSync(process.execPath, ['--liftoff-only', '--input-type=module', '-e', script], {
    timeout: 30_000,
    encoding: 'utf8',
  });
  assert.equal(r.signal, null, `thread 0 hung at a barrier: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
});
