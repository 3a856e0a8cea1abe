import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileModel } from '../../src/driver/compile.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import {
  MLP,
  MLP_IO,
  artifact,
  getJson,
  metric,
  mlpPart,
  postCompile,
  removeDir,
  startService,
  waitJob,
  type Running,
} from './helpers.js';

describe(
  'compile service over loopback',
  { skip: !existsSync(MLP) && 'needs ../shared/models', timeout: 120_000 },
  () => {
    let s: Running;
    let cacheDir: string;
    let firstId: string;
    let firstNeff: Uint8Array;

    before(async () => {
      s = await startService();
      cacheDir = s.cacheDir;
    });
    after(async () => {
      await s.close();
      removeDir(cacheDir);
    });

    it('compiles a model to the NEFF a local compile writes, with progress per stage', async () => {
      const posted = await postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO });
      assert.equal(posted.status, 202);
      assert.match(posted.body.id, /^[0-9a-f]{64}$/);
      const job = await waitJob(s.url, posted.body.id);
      assert.equal(job.state, 'done', JSON.stringify(job.error));
      assert.deepEqual(
        job.stages.map((x) => [x.name, x.state]),
        ['import', 'optimize', 'lower', 'plan', 'codegen', 'pack'].map((n) => [n, 'done']),
      );
      firstId = posted.body.id;
      firstNeff = await artifact(s.url, firstId);
      const local = compileModel(MLP, { ioConfig: parseIoConfig(JSON.stringify(MLP_IO)) });
      assert.deepEqual(Buffer.from(firstNeff), Buffer.from(local.neff));
    });

    it('answers a repeated request from the cache at once', async () => {
      const started = performance.now();
      const again = await postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO });
      assert.equal(again.status, 200);
      assert.equal(again.body.id, firstId);
      assert.equal(again.body.state, 'done');
      assert.equal(again.body.cached, true);
      assert.ok(performance.now() - started < 2000);
      assert.deepEqual(await artifact(s.url, firstId), firstNeff);
    });

    it('compiles concurrent identical requests once, and different ones side by side', async () => {
      const metricsBefore = await (await fetch(`${s.url}/metrics`)).text();
      const same = { ioConfig: MLP_IO, optLevel: 1 };
      const posts = await Promise.all([
        ...[0, 1, 2, 3].map(() => postCompile(s.url, [mlpPart()], same)),
        postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO, optLevel: 0 }),
        postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO, autoCast: 'matmult' }),
      ]);
      const ids = posts.map((p) => p.body.id);
      assert.equal(new Set(ids.slice(0, 4)).size, 1);
      assert.equal(new Set(ids).size, 3);
      const jobs = await Promise.all([...new Set(ids)].map((id) => waitJob(s.url, id)));
      assert.ok(
        jobs.every((j) => j.state === 'done'),
        JSON.stringify(jobs.map((j) => j.error)),
      );
      const text = await (await fetch(`${s.url}/metrics`)).text();
      const delta = (name: string): number => metric(text, name) - metric(metricsBefore, name);
      assert.equal(delta('neuron_cc_cache_misses_total'), 3);
      assert.equal(delta('neuron_cc_compiles_total{outcome="done"}'), 3);
      assert.equal(delta('neuron_cc_compile_joined_total') + delta('neuron_cc_cache_hits_total'), 3);
      const [a, b] = await Promise.all([artifact(s.url, ids[0]!), artifact(s.url, ids[4]!)]);
      assert.notDeepEqual(a, b);
    });

    it('reports a corrupt model as a failed job with the CLI error code and hint', async () => {
      const garbage = new Uint8Array(1000).map((_, i) => (i * 7919) % 251);
      const posted = await postCompile(s.url, [{ name: 'broken.onnx', bytes: garbage }], {
        ioConfig: MLP_IO,
      });
      const job = await waitJob(s.url, posted.body.id);
      assert.equal(job.state, 'failed');
      assert.equal(job.error?.code, 'NCC_BAD_MODEL');
      assert.match(job.error!.message, /^broken\.onnx /);
      assert.ok(job.error?.hint);
      const response = await fetch(`${s.url}/v1/jobs/${posted.body.id}/artifact`);
      assert.equal(response.status, 422);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'NCC_BAD_MODEL');
    });

    it('refuses bad requests with 4xx and a clear message, writing nothing outside the cache dir', async () => {
      const model = mlpPart();
      const cases: [string, Promise<{ status: number; body: unknown }>, number, string, RegExp][] = [
        [
          'dot-dot',
          postCompile(s.url, [{ ...model, name: '../x.onnx' }], {}),
          400,
          'NCC_BAD_INPUT',
          /'\.\.'/,
        ],
        [
          'nested dot-dot',
          postCompile(s.url, [{ ...model, name: 'a/../../x.onnx' }], {}),
          400,
          'NCC_BAD_INPUT',
          /'\.\.'/,
        ],
        [
          'absolute',
          postCompile(s.url, [{ ...model, name: '/tmp/x.onnx' }], {}),
          400,
          'NCC_BAD_INPUT',
          /absolute/,
        ],
        [
          'backslash',
          postCompile(s.url, [{ ...model, name: '..\\x.onnx' }], {}),
          400,
          'NCC_BAD_INPUT',
          /backslash/,
        ],
        ['no options', postCompile(s.url, [model], undefined), 400, 'NCC_BAD_OPTION', /no "options"/],
        ['no file', postCompile(s.url, [], { ioConfig: MLP_IO }), 400, 'NCC_BAD_OPTION', /no model file/],
        ['options not JSON', postCompile(s.url, [model], '{oops'), 400, 'NCC_BAD_OPTION', /not valid JSON/],
        [
          'unknown option',
          postCompile(s.url, [model], { bogus: 1 }),
          400,
          'NCC_BAD_OPTION',
          /unknown option/,
        ],
        [
          'bad io-config',
          postCompile(s.url, [model], { ioConfig: { inputz: {} } }),
          400,
          'NCC_BAD_OPTION',
          /unknown key/,
        ],
        [
          'io-config as a path',
          postCompile(s.url, [model], { ioConfig: '/etc/passwd' }),
          400,
          'NCC_BAD_OPTION',
          /JSON object/,
        ],
        [
          'bad opt level',
          postCompile(s.url, [model], { optLevel: 7 }),
          400,
          'NCC_BAD_OPTION',
          /optimization level/,
        ],
        [
          'bad framework',
          postCompile(s.url, [model], { framework: 'caffe' }),
          400,
          'NCC_BAD_OPTION',
          /unknown framework/,
        ],
        [
          'two files, no model',
          postCompile(s.url, [model, { ...model, name: 'other.onnx' }], {}),
          400,
          'NCC_BAD_OPTION',
          /does not say which/,
        ],
        ['duplicate names', postCompile(s.url, [model, model], {}), 400, 'NCC_BAD_INPUT', /twice/],
        ['json body', jsonPost(s.url, 'application/json', '{}'), 415, 'NCC_BAD_INPUT', /multipart/],
        [
          'octet body',
          jsonPost(s.url, 'application/octet-stream', 'xx'),
          415,
          'NCC_BAD_INPUT',
          /content type/,
        ],
        ['unknown job', getJson(s.url, `/v1/jobs/${'0'.repeat(64)}`), 404, 'NCC_BAD_INPUT', /no job/],
        ['job id with a path', getJson(s.url, '/v1/jobs/..%2F..%2Fetc'), 404, 'NCC_BAD_INPUT', /no job/],
      ];
      for (const [what, pending, status, code, message] of cases) {
        const { status: got, body } = await pending;
        const error = (body as { error?: { code: string; message: string } }).error;
        assert.equal(got, status, `${what}: ${JSON.stringify(body)}`);
        assert.equal(error?.code, code, what);
        assert.match(error!.message, message, what);
      }
      assert.ok(!existsSync(join(dirname(cacheDir), 'x.onnx')));
      assert.ok(!existsSync('/tmp/x.onnx'));
      assert.deepEqual(readdirSync(join(cacheDir, 'uploads')), [], 'refused uploads are removed');
    });

    it('refuses an upload over --max-model-bytes with 413', async () => {
      const small = await startService({ maxModelBytes: 4096 });
      try {
        const { status, body } = await postCompile(small.url, [mlpPart()], { ioConfig: MLP_IO });
        assert.equal(status, 413, JSON.stringify(body));
        assert.equal(body.error?.code, 'NCC_LIMIT_EXCEEDED');
        assert.deepEqual(readdirSync(join(small.cacheDir, 'uploads')), []);
      } finally {
        await small.close();
        removeDir(small.cacheDir);
      }
    });

    it('serves /healthz and Prometheus /metrics', async () => {
      assert.deepEqual(await (await fetch(`${s.url}/healthz`)).json(), { ok: true, version: '0.1.0' });
      const response = await fetch(`${s.url}/metrics`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await response.text();
      assert.ok(metric(text, 'neuron_cc_jobs{state="done"}') >= 4);
      assert.ok(metric(text, 'neuron_cc_cache_hits_total') >= 1);
      assert.ok(metric(text, 'neuron_cc_compile_seconds_count') >= 4);
      assert.ok(metric(text, 'neuron_cc_compile_seconds_sum') > 0);
    });

    it('keeps its cache across a restart', async () => {
      await s.close();
      s = await startService({}, cacheDir);
      const job = await getJson(s.url, `/v1/jobs/${firstId}`);
      assert.equal(job.body.state, 'done');
      const again = await postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO });
      assert.equal(again.status, 200);
      assert.equal(again.body.cached, true);
      assert.deepEqual(await artifact(s.url, firstId), firstNeff);
      const text = await (await fetch(`${s.url}/metrics`)).text();
      assert.equal(metric(text, 'neuron_cc_compile_seconds_count'), 0);
    });
  },
);

async function jsonPost(url: string, type: string, body: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/v1/compile`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
  return { status: response.status, body: await response.json() };
}
