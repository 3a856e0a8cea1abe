/**
 * The compile service's HTTP app (fastify): routes, authentication, error answers and metrics.
 *   POST /v1/compile               multipart: model file(s) + "options" JSON -> the job
 *   GET  /v1/jobs/:id              the job's state and progress per stage
 *   GET  /v1/jobs/:id/artifact     the NEFF (or .neuron.onnx) of a done job
 *   GET  /healthz, GET /metrics
 */
import { createReadStream } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import multipart from '@fastify/multipart';
import { VERSION } from '../version.js';
import { ArtifactCache } from './cache.js';
import { bearerCheck } from './auth.js';
import { HttpError, asServiceError, errorBody, statusOf } from './http-error.js';
import { JobQueue, type Job } from './jobs.js';
import { Metrics } from './metrics.js';
import { parseJobOptions } from './options.js';
import { receiveUpload } from './upload.js';

export interface ServiceConfig {
  readonly cacheDir: string;
  /** All model files of one request together. */
  readonly maxModelBytes: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Memory of one compile child (heap limit and resident-size watch). */
  readonly compileMemoryMiB: number;
  /** Without a token, requests are not authenticated (the caller binds loopback only). */
  readonly token?: string;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly jobs: JobQueue;
  readonly metrics: Metrics;
}

const MAX_FILES = 256;

export async function createService(config: ServiceConfig): Promise<Service> {
  const cache = new ArtifactCache(config.cacheDir);
  const metrics = new Metrics();
  const jobs = new JobQueue(
    cache,
    { timeoutMs: config.timeoutMs, memoryMiB: config.compileMemoryMiB },
    config.concurrency,
    metrics,
  );
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
  await app.register(multipart);

  const check = config.token === undefined ? undefined : bearerCheck(config.token);
  app.addHook('onRequest', async (request) => {
    if (check && !(request.method === 'GET' && request.url === '/healthz'))
      check(request.headers.authorization);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.routeOptions.url ?? 'unknown', reply.statusCode);
  });
  app.setErrorHandler(async (e, _request, reply) => {
    const error = asServiceError(e);
    const status = statusOf(error);
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.code(status).send(errorBody(error));
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send(errorBody(new HttpError(404, 'NCC_BAD_INPUT', `no route ${request.method} ${request.url}`))),
  );

  app.get('/healthz', async () => ({ ok: true, version: VERSION }));
  app.get('/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render(jobs.counts())),
  );

  app.post('/v1/compile', async (request, reply) => {
    const dir = cache.newUploadDir();
    let submitted: ReturnType<JobQueue['submit']>;
    try {
      const upload = await receiveUpload(request, dir, {
        maxBytes: config.maxModelBytes,
        maxFiles: MAX_FILES,
      });
      const options = parseJobOptions(
        upload.optionsText,
        upload.files.map((f) => f.name),
      );
      submitted = jobs.submit(ArtifactCache.keyOf(upload.files, options), dir, options);
    } catch (e) {
      cache.removeQuietly(dir);
      throw e;
    }
    const { job, answer } = submitted;
    return reply
      .code(job.state === 'done' || job.state === 'failed' ? 200 : 202)
      .send({ ...jobView(job, jobs), cached: answer === 'cache', joined: answer === 'joined' });
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (request) =>
    jobView(findJob(jobs, request.params.id), jobs),
  );

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/artifact', async (request, reply) => {
    const job = findJob(jobs, request.params.id);
    if (job.state === 'failed') return failed(reply, job);
    const path = job.state === 'done' ? jobs.artifactPath(job.id) : undefined;
    if (!path)
      throw new HttpError(409, 'NCC_BAD_INPUT', `job ${job.id} is ${job.state}: no artifact yet`, {
        hint: `poll GET /v1/jobs/${job.id} until its state is done`,
      });
    const kind = job.artifact?.kind ?? 'neff';
    return reply
      .type(kind === 'neff' ? 'application/vnd.neuron.neff' : 'application/onnx')
      .header('x-neuron-cc-artifact', kind)
      .send(createReadStream(path));
  });

  return { app, jobs, metrics };
}

function findJob(jobs: JobQueue, id: string): Job {
  const job = /^[0-9a-f]{64}$/.test(id) ? jobs.get(id) : undefined;
  if (!job)
    throw new HttpError(404, 'NCC_BAD_INPUT', `no job ${JSON.stringify(id.slice(0, 80))}`, {
      hint: 'job ids are the "id" that POST /v1/compile answered with',
    });
  return job;
}

/** A failed job's artifact: the compile's error, with a 4xx status when the model or options were at fault. */
function failed(reply: FastifyReply, job: Job): FastifyReply {
  const error = job.error!;
  return reply.code(error.code === 'NCC_INTERNAL' ? 500 : 422).send({ error });
}

function jobView(job: Job, jobs: JobQueue): Record<string, unknown> {
  const position = job.state === 'queued' ? jobs.position(job) : undefined;
  return {
    id: job.id,
    state: job.state,
    cached: job.cached,
    ...(position !== undefined ? { queuePosition: position } : {}),
    stages: job.stages.map((s) => ({
      name: s.name,
      state: s.state,
      ms: Math.round(s.ms),
      ...(s.count > 1 ? { count: s.count } : {}),
    })),
    ...(job.error ? { error: job.error } : {}),
    ...(job.artifact ? { artifact: { ...job.artifact, url: `/v1/jobs/${job.id}/artifact` } } : {}),
    ...(job.summary !== undefined ? { summary: job.summary } : {}),
    ...(job.startedAt !== undefined && job.finishedAt !== undefined
      ? { compileSeconds: (job.finishedAt - job.startedAt) / 1000 }
      : {}),
  };
}
