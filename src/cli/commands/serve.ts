/**
 * `neuron-cc serve`: the compile service (src/server). Compiles run in child processes, results
 * are cached on disk by content hash, and without --token-file it listens on loopback only.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { readToken, requireLoopbackWithoutToken } from '../../server/auth.js';

interface ServeFlags {
  host: string;
  port: string;
  cacheDir: string;
  maxModelBytes: string;
  concurrency?: string;
  timeout: string;
  compileMemory: string;
  tokenFile?: string;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the compile service (HTTP): POST /v1/compile, GET /v1/jobs/:id[/artifact], /healthz, /metrics',
    )
    .option('--host <host>', 'address to listen on (without --token-file: loopback only)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8700')
    .option(
      '--cache-dir <dir>',
      'where compiled artifacts are kept (survives restarts)',
      join(tmpdir(), 'neuron-cc-cache'),
    )
    .option('--max-model-bytes <n>', 'largest upload (all model files of one request)', String(2 * 2 ** 30))
    .option('--concurrency <n>', 'compiles at once (default: half the cores)')
    .option('--timeout <seconds>', 'longest compile; a compile past it fails', '600')
    .option('--compile-memory <MiB>', 'memory of one compile (heap limit and resident size)', '4096')
    .option(
      '--token-file <file>',
      'require Authorization: Bearer <the first line of FILE> on every request but /healthz',
    )
    .action(async (flags: ServeFlags) => {
      const token = flags.tokenFile === undefined ? undefined : readToken(flags.tokenFile);
      requireLoopbackWithoutToken(flags.host, token);
      const port = count(flags.port, '--port', 0);
      if (port > 65535) throw new NccError('NCC_BAD_OPTION', `--port ${flags.port} is not a port`);
      const { createService } = await import('../../server/app.js');
      const { app, jobs } = await createService({
        cacheDir: flags.cacheDir,
        maxModelBytes: count(flags.maxModelBytes, '--max-model-bytes', 1),
        concurrency:
          flags.concurrency === undefined
            ? Math.max(1, Math.floor(availableParallelism() / 2))
            : count(flags.concurrency, '--concurrency', 1),
        timeoutMs: count(flags.timeout, '--timeout', 0.001, false) * 1000,
        compileMemoryMiB: count(flags.compileMemory, '--compile-memory', 64),
        ...(token !== undefined ? { token } : {}),
      });
      const url = await app.listen({ host: flags.host, port });
      console.log(`neuron-cc compile service listening on ${url} (cache ${flags.cacheDir})`);
      const stop = (): void => {
        // stop taking requests, let compiles under way finish, then exit
        void app
          .close()
          .then(() => jobs.idle())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

function count(text: string, flag: string, min: number, integer = true): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new NccError(
      'NCC_BAD_OPTION',
      `${flag} ${text} is not a ${integer ? 'whole ' : ''}number of at least ${min}`,
    );
  return n;
}
