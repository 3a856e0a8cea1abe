import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileModel } from '../../src/driver/compile.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { isLoopback, requireLoopbackWithoutToken } from '../../src/server/auth.js';
import { ROOT } from '../helpers/shared-models.js';
import { MLP, MLP_IO, mlpPart, postCompile, removeDir } from './helpers.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
const TOKEN = 'a7c1e9f04b2d4e6a8c0f1b3d5e7a9c2e';
const run = promisify(execFile);

/** `neuron-cc serve` as a real process; resolves with its URL once it listens. */
async function serve(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** The CLI's exit code, stdout and stderr (it never throws). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe(
  'neuron-cc serve and compile --server',
  { skip: !existsSync(MLP) && 'needs ../shared/models', timeout: 120_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncc-serve-cli-'));
    const cacheDir = join(dir, 'cache');
    const tokenFile = join(dir, 'token');
    const io = JSON.stringify(MLP_IO);
    let server: { child: ChildProcess; url: string };

    before(async () => {
      writeFileSync(tokenFile, `${TOKEN}\n`);
      server = await serve(['--cache-dir', cacheDir, '--token-file', tokenFile, '--concurrency', '1']);
    });
    after(async () => {
      if (server.child.exitCode === null) await stop(server.child);
      removeDir(dir);
    });

    it('needs the bearer token on every request but /healthz', async () => {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      const none = await postCompile(server.url, [mlpPart()], { ioConfig: MLP_IO });
      assert.equal(none.status, 401);
      assert.equal(none.body.error?.code, 'NCC_BAD_OPTION');
      assert.match(none.body.error!.message, /no bearer token/);
      const wrong = await postCompile(
        server.url,
        [mlpPart()],
        { ioConfig: MLP_IO },
        { authorization: 'Bearer nope' },
      );
      assert.equal(wrong.status, 401);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${server.url}/v1/jobs/${'0'.repeat(64)}`)).status, 401);
      const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(metrics.status, 200);
    });

    /** `compile --server` of mlp_tiny to `output`. */
    const remoteCompile = (output: string) =>
      cli([
        'compile',
        MLP,
        '--io-config',
        io,
        '--server',
        server.url,
        '--token-file',
        tokenFile,
        '--output',
        output,
      ]);

    it('compiles through the service to the bytes of a local compile', async () => {
      const output = join(dir, 'remote.neff');
      const r = await remoteCompile(output);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^compiled torch_jit -> .*remote\.neff/);
      const local = compileModel(MLP, { ioConfig: parseIoConfig(io) });
      assert.deepEqual(readFileSync(output), Buffer.from(local.neff));
    });

    it('prints service errors as a local compile does', async () => {
      const broken = join(dir, 'broken.onnx');
      writeFileSync(broken, 'not a model at all');
      const args = [
        'compile',
        broken,
        '--io-config',
        io,
        '--server',
        server.url,
        '--output',
        join(dir, 'b.neff'),
      ];
      const r = await cli([...args, '--token-file', tokenFile]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error NCC_BAD_MODEL: broken\.onnx .*\(file broken\.onnx\)\n {2}hint: /);
      assert.ok(!existsSync(join(dir, 'b.neff')));
      const noToken = await cli(args);
      assert.equal(noToken.code, 1);
      assert.match(
        noToken.stderr,
        /^error NCC_BAD_OPTION: the request carries no bearer token\n {2}hint: .*--token-file/,
      );
      const bad = await cli([
        'compile',
        MLP,
        '--io-config',
        io,
        '-O',
        '9',
        '--server',
        server.url,
        '--token-file',
        tokenFile,
      ]);
      assert.match(bad.stderr, /^error NCC_BAD_OPTION: optLevel 9 is not an optimization level/);
    });

    it('keeps its cache across a restart of the process', async () => {
      assert.equal(await stop(server.child), 0);
      server = await serve(['--cache-dir', cacheDir, '--token-file', tokenFile]);
      const output = join(dir, 'again.neff');
      const r = await remoteCompile(output);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\(from the service cache\)/);
      assert.deepEqual(readFileSync(output), readFileSync(join(dir, 'remote.neff')));
    });

    it('refuses to listen beyond loopback without a token file', async () => {
      assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost'));
      assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.4') && !isLoopback('::'));
      assert.throws(() => requireLoopbackWithoutToken('0.0.0.0', undefined), /loopback only/);
      requireLoopbackWithoutToken('0.0.0.0', TOKEN);
      const r = await cli(['serve', '--host', '0.0.0.0', '--port', '0', '--cache-dir', cacheDir]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^error NCC_BAD_OPTION: without --token-file the service listens on loopback only/,
      );
    });
  },
);
