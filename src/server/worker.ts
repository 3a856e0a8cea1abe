/**
 * The child process of one compile (forked by compile-process.ts). It takes one job over IPC,
 * reports each stage as it starts, writes the artifact to the path it was given, and exits. A
 * compile that crashes, runs out of memory or is killed takes only this process with it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNccError } from '../errors.js';
import { compileModel, type CompileOptions, type Stage } from '../driver/compile.js';
import { compilePartitioned } from '../driver/partition.js';
import { parseIoConfig } from '../options/io-config.js';
import type { CompileJobOptions } from './options.js';

export interface WorkerRequest {
  /** The job's upload folder; option file names are relative to it. */
  readonly dir: string;
  readonly options: CompileJobOptions;
  /** Where to write the artifact. */
  readonly output: string;
}

export type WorkerMessage =
  | { readonly type: 'stage'; readonly stage: Stage }
  | {
      readonly type: 'done';
      readonly kind: 'neff' | 'onnx';
      readonly bytes: number;
      readonly summary: unknown;
    }
  | { readonly type: 'error'; readonly error: WireError };

/** An NccError as JSON: what a client needs to print it as the CLI would. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly subject?: Readonly<Record<string, string>>;
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

function run(request: WorkerRequest): WorkerMessage {
  const { dir, options: o } = request;
  const options: CompileOptions = {
    ...(o.framework ? { framework: o.framework } : {}),
    ...(o.ioConfig ? { ioConfig: parseIoConfig(o.ioConfig) } : {}),
    ...(o.signature ? { signature: o.signature } : {}),
    ...(o.tags ? { tags: o.tags } : {}),
    ...(o.params ? { params: join(dir, o.params) } : {}),
    ...(o.epoch !== undefined ? { epoch: o.epoch } : {}),
    ...(o.tune ? { tune: true } : {}),
    optLevel: o.optLevel,
    autoCast: o.autoCast,
    // a synchronous compile blocks this loop, but process.send queues the message without it
    onStage: (stage) => void send({ type: 'stage', stage }),
  };
  const path = join(dir, o.model);
  if (o.partition) {
    const { onnx, summary } = compilePartitioned(path, { ...options, ...o.partition });
    writeFileSync(request.output, onnx);
    return { type: 'done', kind: 'onnx', bytes: onnx.byteLength, summary };
  }
  const { neff, summary } = compileModel(path, options);
  writeFileSync(request.output, neff);
  return { type: 'done', kind: 'neff', bytes: neff.byteLength, summary };
}

function wire(e: unknown): WireError {
  if (isNccError(e)) {
    // file names in messages are the worker's upload paths: show the client's names
    const local = (s: string): string => s.split(`${currentDir}/`).join('');
    const subject = Object.fromEntries(Object.entries(e.subject).map(([k, v]) => [k, local(String(v))]));
    return {
      code: e.code,
      message: local(e.message),
      ...(e.hint ? { hint: local(e.hint) } : {}),
      ...(Object.keys(subject).length ? { subject } : {}),
    };
  }
  return {
    code: 'NCC_INTERNAL',
    message: (e as Error)?.message ?? String(e),
    hint: 'this is a bug in neuron-cc; please report it',
  };
}

let currentDir = '';

process.once('message', (request: WorkerRequest) => {
  currentDir = request.dir;
  let result: WorkerMessage;
  try {
    result = run(request);
  } catch (e) {
    result = { type: 'error', error: wire(e) };
  }
  void send(result).then(() => process.disconnect());
});
