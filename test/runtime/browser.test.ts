import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from '../helpers/shared-models.js';
import { RELAXED, SIMD, expectedY, sampleFeeds, sampleNeff, type VariantSpec } from './sample-model.js';

/**
 * The runtime in a real browser: bundled by esbuild for the browser (no Node built-ins, no bundler
 * settings), served from localhost, run in headless Chromium. A cross-origin-isolated page gets the
 * threads variant, a plain page the best one without threads. A missing browser fails this test.
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
const THREADED_RELAXED: VariantSpec = {
  features: ['simd128', 'relaxed-simd', 'threads'],
  body: 'relaxed-simd',
  id: 4,
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
}

/** The page: loads the NEFF by URL, runs it, then checks two error paths; the result goes on window. */
function page(feeds: { x: Float32Array; ids: BigInt64Array }): string {
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
  window.result = {
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
    const server = await serve({
      'index.html': { type: 'text/html', body: page(feeds) },
      'runtime.js': { type: 'text/javascript', body: runtime },
      'model.neff': { type: 'application/octet-stream', body: sampleNeff([THREADED_RELAXED, RELAXED, SIMD]) },
    });
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      const { port } = server.address() as AddressInfo;
      const run = async (scope: 'isolated' | 'plain'): Promise<PageResult> => {
        const tab = await browser!.newPage();
        const errors: string[] = [];
        tab.on('pageerror', (e) => errors.push(e.message));
        await tab.goto(`http://127.0.0.1:${port}/${scope}/index.html`);
        await tab.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 30_000 });
        const result = (await tab.evaluate(
          () => (globalThis as unknown as { result: PageResult }).result,
        )) as PageResult;
        assert.equal(result.error, undefined, `${scope}: ${result.error} ${errors.join('; ')}`);
        await tab.close();
        return result;
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

      // without cross-origin isolation there is no SharedArrayBuffer: the next variant runs
      const plain = await run('plain');
      assert.equal(plain.isolated, false);
      assert.deepEqual(plain.features, ['simd128', 'relaxed-simd']);
      assert.equal(plain.variant, 2);
      assert.deepEqual(plain.y, expectedY(feeds.x));
    } finally {
      await browser?.close();
      await new Promise((done) => server.close(done));
    }
  },
);
