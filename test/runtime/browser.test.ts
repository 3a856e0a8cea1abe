import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { compileStaticModel } from '../../src/driver/compile.js';
import { load, type WasmFeature } from '../../src/runtime/index.js';
import { graphOf } from '../helpers/lowering-harness.js';
import { rand } from '../helpers/op-harness.js';
import { ROOT } from '../helpers/shared-models.js';
import { RELAXED, SIMD, THREADED_RELAXED, expectedY, sampleFeeds, sampleNeff } from './sample-model.js';

/**
 * The runtime in a real browser: bundled by esbuild for the browser (no Node built-ins, no bundler
 * settings), served from localhost, run in headless Chromium. Compute runs in Web Workers. A
 * cross-origin-isolated page runs the threads variant on shared memory, a compiled model on two
 * workers with barriers between its kernels, bit for bit as Node on one thread; a plain page has no
 * SharedArrayBuffer and runs the same variant on one worker over an unshared memory, saying so once.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
interface PageResult {
  readonly error?: string;
  readonly isolated: boolean;
  readonly features: string[];
  readonly inputs: { name: string; dtype: string; shape: number[] }[];
  readonly y: number[];
  readonly ids: string[];
  readonly variant: number;
  readonly corruptCode: string;
  readonly badInputCode: string;
  readonly real: { threads: number; features: string[]; y: number[] };
}

/** A compiled model with several kernels (MatMul, Relu, Softmax) to run on two workers. */
function realModel(): { neff: Uint8Array; x: Float32Array } {
  const x = rand([96, 64], 5);
  const graph = graphOf(
    [
      { name: 'mm', op: 'MatMul', domain: '', inputs: ['x', 'w'], outputs: ['h'], attrs: {} },
      { name: 'relu', op: 'Relu', domain: '', inputs: ['h'], outputs: ['r'], attrs: {} },
      { name: 'sm', op: 'Softmax', domain: '', inputs: ['r'], outputs: ['y'], attrs: {} },
    ],
    [
      { name: 'x', value: x },
      { name: 'w', value: rand([64, 80], 6), constant: true },
    ],
    ['y'],
  );
  const model = {
    name: 'real',
    graph,
    opsets: new Map([['', 17]]),
    producer: 'test',
    source: { format: 'onnx' as const, path: 'real' },
  };
  return { neff: compileStaticModel(model).neff, x: x.data as Float32Array };
}

/** Results do not depend on whether an engine fuses multiply-adds: the plain SIMD variant. */
const REAL_FEATURES: WasmFeature[] = ['simd128', 'threads'];

/** The page: loads the NEFF by URL, runs it, then checks two error paths; the result goes on window. */
function page(feeds: { x: Float32Array; ids: BigInt64Array }, realX: Float32Array): string {
  return `<!doctype html><meta charset="utf-8"><title>neuron-cc runtime</title>
<script type="module">
import { load } from './runtime.js';
const codeOf = async (p) => { try { await p; return 'none'; } catch (e) { return e.code ?? String(e); } };
try {
  const model = await load('./model.neff');
  const out = await model.run({ x: Float32Array.from(${JSON.stringify([...feeds.x])}),
    ids: BigInt64Array.from([${[...feeds.ids].map((v) => `${v}n`).join(', ')}]) });
  const bytes = new Uint8Array(await (await fetch('./model.neff')).arrayBuffer());
  bytes[bytes.length - 1] ^= 1;
  const result = {
    isolated: self.crossOriginIsolated,
    features: [...model.features],
    inputs: model.inputs.map((t) => ({ ...t, shape: [...t.shape] })),
    y: [...out.y],
    ids: [...out.ids_out].map(String),
    variant: out.variant[0],
    corruptCode: await codeOf(load(bytes)),
    badInputCode: await codeOf(model.run({ x: new Float64Array(8), ids: new BigInt64Array(3) })),
  };
  model.dispose();
  const real = await load('./real.neff', { threads: 2, features: ${JSON.stringify(REAL_FEATURES)} });
  const [a, b] = await Promise.all([real.run({ x: Float32Array.from(${JSON.stringify([...realX])}) }),
    real.run({ x: Float32Array.from(${JSON.stringify([...realX])}) })]);
  if (a.y.some((v, i) => !Object.is(v, b.y[i]))) throw new Error('two runs differ');
  result.real = { threads: real.threads, features: [...real.features], y: [...a.y] };
  real.dispose();
  window.result = result;
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script>`;
}

async function serve(routes: Record<string, { type: string; body: string | Uint8Array }>): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const [, scope, file] = /^\/(isolated|plain)\/(.+)$/.exec(path) ?? [];
    const route = file ? routes[file] : undefined;
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': route.type, ...(scope === 'isolated' ? ISOLATION : {}) });
    res.end(route.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

test(
  'the runtime bundled for the browser loads and runs a NEFF in headless Chromium',
  { timeout: 120_000 },
  async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: this test needs Debian's Chromium (apt-get install -y chromium; npm test installs it)`,
    );
    const bundle = await build({
      entryPoints: [join(ROOT, 'dist/src/runtime/index.js')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    assert.deepEqual(bundle.warnings, []);
    const runtime = bundle.outputFiles[0]!.text;
    assert.ok(runtime.length < 64 * 1024, `the runtime bundle is ${runtime.length} bytes`);

    const feeds = sampleFeeds();
    const real = realModel();
    const single = await load(real.neff, { threads: 1, features: REAL_FEATURES });
    const expected = [...(await single.run({ x: real.x })).y!];
    single.dispose();
    const server = await serve({
      'index.html': { type: 'text/html', body: page(feeds, real.x) },
      'runtime.js': { type: 'text/javascript', body: runtime },
      'model.neff': { type: 'application/octet-stream', body: sampleNeff([THREADED_RELAXED, RELAXED, SIMD]) },
      'real.neff': { type: 'application/octet-stream', body: real.neff },
    });
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      const { port } = server.address() as AddressInfo;
      const run = async (scope: 'isolated' | 'plain'): Promise<PageResult & { warnings: string[] }> => {
        const tab = await browser!.newPage();
        const errors: string[] = [];
        const warnings: string[] = [];
        tab.on('pageerror', (e) => errors.push(e.message));
        tab.on('console', (m) => {
          if (m.type() === 'warning') warnings.push(m.text());
        });
        await tab.goto(`http://127.0.0.1:${port}/${scope}/index.html`);
        await tab.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 30_000 });
        const result = (await tab.evaluate(
          () => (globalThis as unknown as { result: PageResult }).result,
        )) as PageResult;
        assert.equal(result.error, undefined, `${scope}: ${result.error} ${errors.join('; ')}`);
        await tab.close();
        return { ...result, warnings };
      };

      const isolated = await run('isolated');
      assert.equal(isolated.isolated, true);
      assert.deepEqual(isolated.features, ['simd128', 'relaxed-simd', 'threads']);
      assert.equal(isolated.variant, 4);
      assert.deepEqual(isolated.inputs, [
        { name: 'x', dtype: 'float32', shape: [2, 4] },
        { name: 'ids', dtype: 'int64', shape: [3] },
      ]);
      assert.deepEqual(isolated.y, expectedY(feeds.x));
      assert.deepEqual(isolated.ids, [...feeds.ids].map(String));
      assert.equal(isolated.corruptCode, 'NEFF_CORRUPT');
      assert.equal(isolated.badInputCode, 'NCC_BAD_INPUT');
      assert.deepEqual(isolated.real.features, REAL_FEATURES);
      assert.equal(isolated.real.threads, 2);
      assert.deepEqual(isolated.real.y, expected);
      assert.deepEqual(isolated.warnings, []);

      // without cross-origin isolation there is no SharedArrayBuffer: the threads variant runs on
      // one worker over an unshared memory, and the page is told once
      const plain = await run('plain');
      assert.equal(plain.isolated, false);
      assert.deepEqual(plain.features, ['simd128', 'relaxed-simd']);
      assert.equal(plain.variant, 4);
      assert.deepEqual(plain.y, expectedY(feeds.x));
      assert.deepEqual(plain.real.features, ['simd128']);
      assert.equal(plain.real.threads, 1);
      assert.deepEqual(plain.real.y, expected);
      assert.equal(plain.warnings.length, 1, plain.warnings.join('\n'));
      assert.match(plain.warnings[0]!, /SharedArrayBuffer is not available/);
    } finally {
      await browser?.close();
      await new Promise((done) => server.close(done));
    }
  },
);
