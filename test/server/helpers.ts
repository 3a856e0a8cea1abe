/**
 * A compile service on loopback for tests: port 0, a fresh cache dir, and small helpers that speak
 * its HTTP API with the platform's fetch and FormData.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type Service, type ServiceConfig } from '../../src/server/app.js';
import { SHARED } from '../helpers/shared-models.js';

export const MLP = join(SHARED, 'models/onnx/mlp_tiny/model.onnx');
export const MLP_IO = { inputs: { x: [[4, 64], 'float32'] } };

export interface Running {
  readonly service: Service;
  readonly url: string;
  readonly cacheDir: string;
  close(): Promise<void>;
}

export async function startService(config: Partial<ServiceConfig> = {}, cacheDir?: string): Promise<Running> {
  const dir = cacheDir ?? mkdtempSync(join(tmpdir(), 'ncc-service-'));
  const service = await createService({
    cacheDir: dir,
    maxModelBytes: 64 << 20,
    concurrency: 2,
    timeoutMs: 120_000,
    compileMemoryMiB: 2048,
    ...config,
  });
  const url = await service.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    service,
    url,
    cacheDir: dir,
    close: async () => {
      await service.app.close();
      await service.jobs.idle();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Part {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export function mlpPart(): Part {
  return { name: 'model.onnx', bytes: readFileSync(MLP) };
}

/** POST /v1/compile with the given files and options (an object, raw text, or nothing). */
export async function postCompile(
  url: string,
  files: readonly Part[],
  options: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: JobBody }> {
  const form = new FormData();
  if (options !== undefined)
    form.append('options', typeof options === 'string' ? options : JSON.stringify(options));
  for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
  const response = await fetch(`${url}/v1/compile`, { method: 'POST', body: form, headers });
  return { status: response.status, body: (await response.json()) as JobBody };
}

export interface JobBody {
  id: string;
  state: string;
  cached: boolean;
  joined?: boolean;
  stages: { name: string; state: string; ms: number }[];
  error?: { code: string; message: string; hint?: string };
  artifact?: { kind: string; bytes: number };
}

export async function getJson(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: JobBody }> {
  const response = await fetch(`${url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as JobBody };
}

/** Polls a job until it is done or failed. */
export async function waitJob(
  url: string,
  id: string,
  headers: Record<string, string> = {},
): Promise<JobBody> {
  for (let i = 0; i < 1200; i++) {
    const { body } = await getJson(url, `/v1/jobs/${id}`, headers);
    if (body.state === 'done' || body.state === 'failed') return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

export async function artifact(
  url: string,
  id: string,
  headers: Record<string, string> = {},
): Promise<Uint8Array> {
  const response = await fetch(`${url}/v1/jobs/${id}/artifact`, { headers });
  if (response.status !== 200) throw new Error(`artifact: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** One sample of a Prometheus text exposition, e.g. metric(text, 'neuron_cc_cache_hits_total'). */
export function metric(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? NaN : Number(line.slice(sample.length + 1));
}
