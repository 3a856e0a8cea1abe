import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MLP, MLP_IO, artifact, mlpPart, postCompile, removeDir, startService, waitJob } from './helpers.js';

describe('compile limits', { skip: !existsSync(MLP) && 'needs ../shared/models', timeout: 120_000 }, () => {
  it('fails a compile past --timeout, and only that job', async () => {
    const s = await startService({ timeoutMs: 30 });
    try {
      const posted = await postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO });
      const job = await waitJob(s.url, posted.body.id);
      assert.equal(job.state, 'failed');
      assert.equal(job.error?.code, 'NCC_LIMIT_EXCEEDED');
      assert.match(job.error!.message, /longer than the service's limit/);
      assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
      assert.deepEqual(readdirSync(join(s.cacheDir, 'tmp')), [], 'no partial artifact is left');
      assert.deepEqual(readdirSync(join(s.cacheDir, 'artifacts')), []);
      // a limit failure may not repeat: the same request compiles again rather than reusing the failure
      const again = await postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO });
      assert.notEqual(again.body.state, 'failed');
      await waitJob(s.url, again.body.id);
    } finally {
      await s.close();
      removeDir(s.cacheDir);
    }
  });

  it('fails a compile past its memory limit, and keeps serving', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ncc-service-'));
    const s = await startService({ compileMemoryMiB: 16 }, cacheDir);
    try {
      const posted = await postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO });
      const job = await waitJob(s.url, posted.body.id);
      assert.equal(job.state, 'failed');
      assert.equal(job.error?.code, 'NCC_LIMIT_EXCEEDED');
      assert.match(job.error!.message, /memory limit of 16 MiB/);
      const other = await postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO, optLevel: 0 });
      assert.equal((await waitJob(s.url, other.body.id)).state, 'failed');
    } finally {
      await s.close();
    }
    // the same cache under a service with room to compile: the job now succeeds
    const roomy = await startService({}, cacheDir);
    try {
      const posted = await postCompile(roomy.url, [mlpPart()], { ioConfig: MLP_IO });
      assert.equal((await waitJob(roomy.url, posted.body.id)).state, 'done');
      assert.ok((await artifact(roomy.url, posted.body.id)).byteLength > 0);
    } finally {
      await roomy.close();
      removeDir(cacheDir);
    }
  });

  it('queues compiles beyond --concurrency and runs them all', async () => {
    const s = await startService({ concurrency: 1 });
    try {
      const posts = await Promise.all(
        [0, 1, 2].map((level) => postCompile(s.url, [mlpPart()], { ioConfig: MLP_IO, optLevel: level })),
      );
      const states = posts.map((p) => p.body.state);
      assert.equal(states.filter((x) => x === 'running').length, 1, states.join());
      assert.equal(states.filter((x) => x === 'queued').length, 2, states.join());
      const jobs = await Promise.all(posts.map((p) => waitJob(s.url, p.body.id)));
      assert.deepEqual(
        jobs.map((j) => j.state),
        ['done', 'done', 'done'],
      );
    } finally {
      await s.close();
      removeDir(s.cacheDir);
    }
  });
});
