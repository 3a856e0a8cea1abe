/**
 * `neuron-cc compile --server URL`: the same compile, run by a compile service (`neuron-cc serve`).
 * The model's files are uploaded under the names a local compile reads them by (so the NEFF, which
 * records the model's name, is byte-for-byte the local one), the job is polled to its end, and the
 * artifact is written whole or not at all. Service errors print as local ones: same code and hint.
 */
import { openAsBlob, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { NccError, type ErrorCode } from '../../errors.js';
import { writeOutput } from './write-output.js';
import { detectFramework } from '../../driver/load-model.js';
import type { CompileSummary } from '../../driver/compile.js';
import { autoCastLine, tunedLine } from './compile.js';
import type { PartitionSummary } from '../../driver/partition.js';
import { mxnetFiles } from '../../frontends/mxnet/import.js';
import { parseIoConfig } from '../../options/io-config.js';
import { readToken } from '../../server/auth.js';
import { formatBytes } from './check.js';
import { summaryLines } from './compile-partitioned.js';
import { parseVerbosity } from './flags.js';

export interface RemoteFlags {
  server?: string;
  tokenFile?: string;
  output?: string;
  framework?: string;
  signature?: string;
  tags?: string;
  epoch?: string;
  ioConfig?: string;
  partition?: boolean;
  minSegmentSize?: string;
  excludeNodes?: string;
  excludeOps?: string;
  optLevel: string;
  autoCast?: string;
  autoCastType?: string;
  fp32Cast?: string;
  fastMath?: string[];
  tune?: boolean;
  accuracyCheck?: boolean;
  verbose?: string | boolean;
}

interface JobView {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  cached: boolean;
  stages: { name: string; state: string }[];
  error?: WireError;
  summary?: unknown;
}

interface WireError {
  code: string;
  message: string;
  hint?: string;
  subject?: Record<string, string>;
}

export async function remoteCompile(
  path: string,
  params: string | undefined,
  flags: RemoteFlags,
): Promise<void> {
  const started = performance.now();
  const verbosity = parseVerbosity(flags.verbose);
  if (flags.accuracyCheck)
    throw new NccError(
      'NCC_BAD_OPTION',
      '--accuracy-check runs the models on this machine: it does not go with --server',
      {
        hint: 'compile locally for an accuracy check',
      },
    );
  const base = serverUrl(flags.server!);
  const headers: Record<string, string> = flags.tokenFile
    ? { authorization: `Bearer ${readToken(flags.tokenFile)}` }
    : {};
  const { files, model, paramsName } = modelFiles(path, params, flags);
  const form = new FormData();
  form.append('options', JSON.stringify(requestOptions(flags, model, paramsName)));
  for (const f of files) form.append('file', await openAsBlob(f.local), f.name);

  let job = await call<JobView>(base, '/v1/compile', { method: 'POST', body: form, headers });
  const cached = job.cached;
  let shown = '';
  for (let wait = 25; job.state === 'queued' || job.state === 'running'; wait = Math.min(500, wait * 2)) {
    await new Promise((r) => setTimeout(r, wait));
    job = await call<JobView>(base, `/v1/jobs/${job.id}`, { headers });
    const stage = job.stages.find((s) => s.state === 'running')?.name ?? job.state;
    if (verbosity >= 2 && stage !== shown && (job.state === 'queued' || job.state === 'running'))
      process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${stage}...\n`);
    shown = stage;
  }
  if (job.state === 'failed') throw toNccError(job.error!);
  const response = await request(base, `/v1/jobs/${job.id}/artifact`, { headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const output = flags.output ?? (flags.partition ? 'out.neuron.onnx' : 'out.neff');
  writeOutput(output, bytes);
  const from = cached ? ' (from the service cache)' : '';
  if (flags.partition) {
    const lines = summaryLines(job.summary as PartitionSummary, output, performance.now() - started);
    console.log([lines[0] + from, ...lines.slice(1)].join('\n'));
    return;
  }
  const s = job.summary as CompileSummary;
  const stages = Object.entries(s.stageMs)
    .map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`)
    .join(', ');
  console.log(
    [
      `compiled ${s.model} -> ${output} (${formatBytes(s.neffBytes)})${from}`,
      `  ops ${s.ops}, kernels ${s.kernels}, weights ${formatBytes(s.weightBytes)}, peak arena ${formatBytes(s.arenaBytes)}`,
      `  variants: ${s.variants.map((v) => v.join('+')).join(', ')}`,
      ...(s.autoCast ? [autoCastLine(s.autoCast)] : []),
      ...(s.tuned ? [tunedLine(s.tuned)] : []),
      `  time: ${stages}`,
    ].join('\n'),
  );
}

/** The compile flags as the service's options JSON. */
function requestOptions(
  flags: RemoteFlags,
  model: string,
  params: string | undefined,
): Record<string, unknown> {
  let ioConfig: string | undefined;
  if (flags.ioConfig) {
    // checked here, so a bad io-config fails as it would locally; a file is sent as its JSON
    parseIoConfig(flags.ioConfig);
    const text = flags.ioConfig.trim();
    ioConfig = text.startsWith('{') ? text : readFileSync(text, 'utf8');
  }
  const set = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
  return {
    model,
    ...set('framework', flags.framework),
    ...set('ioConfig', ioConfig === undefined ? undefined : (JSON.parse(ioConfig) as unknown)),
    optLevel: Number(flags.optLevel),
    ...set('autoCast', flags.autoCast),
    ...set('autoCastType', flags.autoCastType),
    ...set('fp32Cast', flags.fp32Cast),
    ...set('fastMath', flags.fastMath),
    ...(flags.tune ? { tune: true } : {}),
    ...(flags.partition ? { partition: true } : {}),
    ...(flags.minSegmentSize !== undefined && flags.minSegmentSize !== '1'
      ? { minSegmentSize: Number(flags.minSegmentSize) }
      : {}),
    ...set('excludeNodes', flags.excludeNodes),
    ...set('excludeOps', flags.excludeOps),
    ...set('signature', flags.signature),
    ...set('tags', flags.tags),
    ...set('params', params),
  };
}

/**
 * The files a compile of `path` reads, each with the relative name it is uploaded under: one
 * file; a SavedModel folder (NAME/...); a TF.js model.json and its shards; an MXNet symbol and
 * its params (found as a local compile finds them).
 */
function modelFiles(
  path: string,
  params: string | undefined,
  flags: RemoteFlags,
): { files: { local: string; name: string }[]; model: string; paramsName?: string } {
  const framework = detectFramework(path, flags.framework);
  if (framework === 'mxnet') {
    const epoch = flags.epoch === undefined ? undefined : Number(flags.epoch);
    const found = mxnetFiles(path, {
      ...(params ? { params } : {}),
      ...(epoch !== undefined && Number.isInteger(epoch) ? { epoch } : {}),
    });
    const files = [found.symbol, found.params].map((local) => ({
      local: mustExist(local),
      name: basename(local),
    }));
    return { files, model: files[0]!.name, paramsName: files[1]!.name };
  }
  const stat = statSync(mustExist(path));
  if (stat.isDirectory()) {
    const root = basename(path);
    return {
      files: walk(path).map((local) => ({ local, name: posixName(join(root, relative(path, local))) })),
      model: root,
    };
  }
  const files = [{ local: path, name: basename(path) }];
  if (framework === 'tensorflow' && path.toLowerCase().endsWith('.json')) {
    let manifest: { paths?: string[] }[] = [];
    try {
      manifest =
        (JSON.parse(readFileSync(path, 'utf8')) as { weightsManifest?: { paths?: string[] }[] })
          .weightsManifest ?? [];
    } catch {
      // a damaged model.json is the service's to report, as NCC_BAD_MODEL
    }
    for (const shard of manifest.flatMap((g) => g.paths ?? []))
      files.push({ local: mustExist(join(dirname(path), shard)), name: posix.normalize(shard) });
  }
  return { files, model: basename(path) };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

function posixName(p: string): string {
  return p.split(sep).join('/');
}

function mustExist(path: string): string {
  try {
    statSync(path);
    return path;
  } catch {
    throw new NccError('NCC_FILE_NOT_FOUND', `${path} does not exist`, { file: path });
  }
}

function serverUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // falls through to the error below
  }
  throw new NccError('NCC_BAD_OPTION', `--server ${text} is not an http(s) URL`, {
    hint: 'e.g. --server http://127.0.0.1:8700',
  });
}

async function request(base: URL, path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(new URL(path, base), init);
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw new NccError('NCC_BAD_OPTION', `cannot reach the compile service at ${base.origin}: ${cause}`, {
      hint: 'check --server and that `neuron-cc serve` runs there',
    });
  }
  if (response.ok) return response;
  const text = await response.text();
  let error: WireError | undefined;
  try {
    error = (JSON.parse(text) as { error?: WireError }).error;
  } catch {
    // not the service's JSON: report the status line below
  }
  throw toNccError(
    error ?? {
      code: 'NCC_INTERNAL',
      message: `the service answered ${response.status}: ${text.slice(0, 200)}`,
    },
  );
}

async function call<T>(base: URL, path: string, init: RequestInit): Promise<T> {
  return (await (await request(base, path, init)).json()) as T;
}

function toNccError(e: WireError): NccError {
  return new NccError(e.code as ErrorCode, e.message, {
    ...(e.subject ?? {}),
    ...(e.hint ? { hint: e.hint } : {}),
  });
}
