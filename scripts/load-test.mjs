#!/usr/bin/env node
// A bounded load test of the compile service (`npm run build && npm run load-test`): starts
// `neuron-cc serve` on loopback (port 0, a fresh cache dir), then measures requests/s and latency
// percentiles of cache hits and of cold compiles of a small model, while sampling the service's
// resident memory. Fails (exit 1) when any request fails or the service's RSS reaches 1 GiB.
//   node scripts/load-test.mjs [--hits 400] [--clients 8] [--cold 8] [--model FILE --io-config JSON]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    hits: { type: 'string', default: '400' },
    clients: { type: 'string', default: '8' },
    cold: { type: 'string', default: '8' },
    model: { type: 'string', default: join(ROOT, '../shared/models/onnx/mlp_tiny/model.onnx') },
    'io-config': { type: 'string', default: '{"inputs": {"x": [[4, 64], "float32"]}}' },
  },
});
const HITS = Number(args.hits);
const CLIENTS = Number(args.clients);
const COLD = Number(args.cold);
const RSS_LIMIT = 2 ** 30;
const DEADLINE_MS = 300_000;

const model = readFileSync(args.model);
const options = JSON.stringify({ ioConfig: JSON.parse(args['io-config']) });
const cacheDir = mkdtempSync(join(tmpdir(), 'ncc-load-'));

/** The model with a different doc_string appended (ModelProto field 6): same graph, another cache key. */
function variant(k) {
  const text = Buffer.from(`load-test variant ${k} ${process.pid}`);
  return Buffer.concat([model, Buffer.from([0x32, text.length]), text]);
}

async function post(url, bytes) {
  const form = new FormData();
  form.append('options', options);
  form.append('file', new Blob([bytes]), 'model.onnx');
  const response = await fetch(`${url}/v1/compile`, { method: 'POST', body: form });
  const body = await response.json();
  if (response.status >= 400) throw new Error(`POST ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

async function finish(url, job) {
  while (job.state === 'queued' || job.state === 'running') {
    await new Promise((r) => setTimeout(r, 20));
    job = await (await fetch(`${url}/v1/jobs/${job.id}`)).json();
  }
  if (job.state !== 'done') throw new Error(`job failed: ${JSON.stringify(job.error)}`);
  const artifact = await fetch(`${url}/v1/jobs/${job.id}/artifact`);
  if (artifact.status !== 200) throw new Error(`artifact ${artifact.status}`);
  await artifact.arrayBuffer();
  return job;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report(name, latencies, seconds) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const line = `${name}: ${latencies.length} requests in ${seconds.toFixed(2)} s = ${(latencies.length / seconds).toFixed(1)} requests/s; latency p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms`;
  console.log(line);
}

/** `count` requests from `clients` concurrent loops; each returns its latencies in ms. */
async function drive(count, clients, one) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const k = next++;
        const t = performance.now();
        await one(k);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

const serve = spawn(
  process.execPath,
  [
    join(ROOT, 'dist/src/cli/main.js'),
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--cache-dir',
    cacheDir,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let maxRss = 0;
const sampler = setInterval(() => {
  try {
    const pages = Number(readFileSync(`/proc/${serve.pid}/statm`, 'utf8').split(' ')[1]);
    maxRss = Math.max(maxRss, pages * 4096);
  } catch {
    // not Linux, or the service has exited: /metrics' neuron_cc_resident_bytes is read at the end
  }
}, 50);
const deadline = setTimeout(() => {
  console.error(`load test: not finished after ${DEADLINE_MS / 1000} s`);
  serve.kill('SIGKILL');
  process.exit(1);
}, DEADLINE_MS);

let failed = false;
try {
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    serve.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  console.log(`service at ${url}; model ${args.model} (${model.byteLength} bytes)`);

  await finish(url, await post(url, model));
  const hits = await drive(HITS, CLIENTS, async () => {
    const job = await post(url, model);
    if (!job.cached) throw new Error('expected a cache hit');
  });
  report(`cache hits (${CLIENTS} clients, POST answered from the cache)`, hits.latencies, hits.seconds);

  const cold = await drive(COLD, COLD, async (k) => finish(url, await post(url, variant(k))));
  report(`cold compiles (${COLD} distinct models at once, POST to artifact)`, cold.latencies, cold.seconds);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  const sample = (name) =>
    Number(
      metrics
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.slice(name.length + 1),
    );
  maxRss = Math.max(maxRss, sample('neuron_cc_resident_bytes'));
  const compiles = sample('neuron_cc_compile_seconds_count');
  const compileSeconds = sample('neuron_cc_compile_seconds_sum');
  console.log(
    `compiles: ${compiles}, mean ${(compileSeconds / compiles).toFixed(2)} s each in its child process; cache hits ${sample('neuron_cc_cache_hits_total')}`,
  );
  console.log(`service RSS peak: ${(maxRss / 2 ** 20).toFixed(0)} MiB (limit ${RSS_LIMIT / 2 ** 20} MiB)`);
  if (maxRss >= RSS_LIMIT) {
    console.error('load test: the service used 1 GiB or more');
    failed = true;
  }
} catch (e) {
  console.error(`load test failed: ${e.message}`);
  failed = true;
} finally {
  clearInterval(sampler);
  clearTimeout(deadline);
  if (serve.exitCode === null && serve.signalCode === null) {
    const exited = new Promise((r) => serve.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
  rmSync(cacheDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
