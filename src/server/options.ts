/**
 * The `options` field of a compile request: the CLI's compile options as JSON, validated here with
 * the CLI's own parsers so a bad option fails the request (400) with the code and hint a local
 * compile would give, before any compile is queued.
 */
import { NccError } from '../errors.js';
import { parseFramework } from '../cli/commands/flags.js';
import { parseIoConfig } from '../options/io-config.js';
import { parseAutoCast, type AutoCast } from '../options/auto-cast.js';
import type { Framework } from '../driver/load-model.js';
import type { OptLevel } from '../driver/compile.js';
import { canonicalJson } from '../neff/canonical-json.js';
import { checkRelativeName } from './files.js';

/** What a worker needs to run one compile; plain JSON, so it crosses the IPC channel and hashes stably. */
export interface CompileJobOptions {
  /** The uploaded file to compile (relative name). */
  readonly model: string;
  readonly framework?: Framework;
  /** --io-config as JSON text (always an object: never read as a file path). */
  readonly ioConfig?: string;
  readonly optLevel: OptLevel;
  readonly autoCast: AutoCast;
  /** Time GEMM tiles on the service's machine (the NEFF then fits that machine). */
  readonly tune?: boolean;
  readonly partition?: {
    readonly minSegmentSize: number;
    readonly excludeNodes: readonly string[];
    readonly excludeOps: readonly string[];
  };
  readonly signature?: string;
  readonly tags?: readonly string[];
  /** MXNet: the uploaded .params file (relative name), or the epoch that names it. */
  readonly params?: string;
  readonly epoch?: number;
}

const KEYS = [
  'model',
  'framework',
  'ioConfig',
  'optLevel',
  'tune',
  'autoCast',
  'autoCastType',
  'fp32Cast',
  'fastMath',
  'partition',
  'minSegmentSize',
  'excludeNodes',
  'excludeOps',
  'signature',
  'tags',
  'params',
  'epoch',
];

/**
 * Options JSON text and the uploaded file names -> normalized job options. Names follow the CLI's
 * long flags in camelCase (`io-config` may also be spelled with its dash).
 */
export function parseJobOptions(text: string | undefined, files: readonly string[]): CompileJobOptions {
  if (text === undefined)
    throw bad('the request has no "options" field', 'send the compile options as a JSON field named options');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`"options" is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw bad('"options" must be a JSON object');
  const o: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const [dashed, camel] of Object.entries(DASHED)) {
    if (dashed in o) {
      o[camel] = o[dashed];
      delete o[dashed];
    }
  }
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) throw bad(`unknown option "${key}"`, `use ${KEYS.join(', ')}`);
  }
  if (files.length === 0)
    throw bad('the request has no model file', 'upload the model file(s) as file fields');
  const model = optString(o, 'model') ?? (files.length === 1 ? files[0]! : undefined);
  if (model === undefined)
    throw bad(
      'several files were uploaded but "model" does not say which to compile',
      'set options.model to one of them',
    );
  checkRelativeName(model);
  // a SavedModel is a folder: its files arrive as NAME/...
  if (!files.includes(model) && !files.some((f) => f.startsWith(`${model}/`)))
    throw bad(`options.model '${model}' is not among the uploaded files (${files.join(', ')})`);
  const params = optString(o, 'params');
  if (params !== undefined) {
    checkRelativeName(params);
    if (!files.includes(params)) throw bad(`options.params '${params}' is not among the uploaded files`);
  }
  const epoch = o.epoch === undefined ? undefined : Number(o.epoch);
  if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0))
    throw bad(`epoch ${String(o.epoch)} is not an epoch number`, 'the N of PREFIX-000N.params');
  const optLevel = o.optLevel === undefined ? 2 : Number(o.optLevel);
  if (![0, 1, 2, 3].includes(optLevel))
    throw bad(`optLevel ${String(o.optLevel)} is not an optimization level`, 'use 0, 1, 2 or 3');
  const framework = optString(o, 'framework');
  const ioConfig = ioConfigText(o.ioConfig);
  const fastMath = o.fastMath;
  if (fastMath !== undefined && !isStrings(fastMath) && typeof fastMath !== 'string')
    throw bad('"fastMath" must be a string or a list of strings');
  const autoCast = parseAutoCast({
    ...stringField(o, 'autoCast'),
    ...stringField(o, 'autoCastType'),
    ...stringField(o, 'fp32Cast'),
    ...(fastMath !== undefined ? { fastMath } : {}),
  });
  const tags = o.tags === undefined ? undefined : typeof o.tags === 'string' ? o.tags.split(',') : o.tags;
  if (tags !== undefined && !isStrings(tags))
    throw bad('"tags" must be a list of strings or a comma-separated string');
  const partition = partitionOf(o);
  const signature = optString(o, 'signature');
  if (o.tune !== undefined && typeof o.tune !== 'boolean') throw bad('"tune" must be true or false');
  return {
    model,
    ...(framework !== undefined ? { framework: parseFramework(framework) } : {}),
    ...(ioConfig !== undefined ? { ioConfig } : {}),
    optLevel: optLevel as OptLevel,
    autoCast,
    ...(o.tune === true ? { tune: true } : {}),
    ...(partition ? { partition } : {}),
    ...(signature !== undefined ? { signature } : {}),
    ...(tags !== undefined ? { tags: tags.map((t) => t.trim()).filter(Boolean) } : {}),
    ...(params !== undefined ? { params } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
  };
}

const DASHED: Readonly<Record<string, string>> = {
  'io-config': 'ioConfig',
  'opt-level': 'optLevel',
  'auto-cast': 'autoCast',
  'auto-cast-type': 'autoCastType',
  'fp32-cast': 'fp32Cast',
  'fast-math': 'fastMath',
  'min-segment-size': 'minSegmentSize',
  'exclude-nodes': 'excludeNodes',
  'exclude-ops': 'excludeOps',
};

/** The io-config object (or its JSON text), checked by the CLI's parser, as canonical JSON text. */
function ioConfigText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  // a string that is not an object would be read as a file name on this machine
  if (!text.trim().startsWith('{'))
    throw bad('"ioConfig" must be a JSON object', 'inline the io-config JSON');
  parseIoConfig(text);
  // key order does not change the compile, so it must not change the cache key either
  return canonicalJson(JSON.parse(text), 'ioConfig');
}

function partitionOf(o: Record<string, unknown>): CompileJobOptions['partition'] {
  const list = (key: string): string[] => {
    const v = o[key];
    if (v === undefined) return [];
    const items = typeof v === 'string' ? v.split(',') : v;
    if (!isStrings(items)) throw bad(`"${key}" must be a list of names`);
    return items.map((x) => x.trim()).filter(Boolean);
  };
  const excludeNodes = list('excludeNodes');
  const excludeOps = list('excludeOps');
  const min = o.minSegmentSize === undefined ? 1 : Number(o.minSegmentSize);
  if (o.partition !== undefined && typeof o.partition !== 'boolean')
    throw bad('"partition" must be true or false');
  if (o.partition !== true) {
    if (excludeNodes.length || excludeOps.length || min !== 1)
      throw bad('excludeNodes, excludeOps and minSegmentSize go with partition', 'set "partition": true');
    return undefined;
  }
  if (!Number.isInteger(min) || min < 1)
    throw bad(`minSegmentSize ${String(o.minSegmentSize)} is not a positive integer`);
  return { minSegmentSize: min, excludeNodes, excludeOps };
}

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`"${key}" must be a string`);
  return v;
}

function stringField(o: Record<string, unknown>, key: string): Record<string, string> {
  const v = optString(o, key);
  return v === undefined ? {} : { [key]: v };
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function bad(message: string, hint?: string): NccError {
  return new NccError('NCC_BAD_OPTION', message, hint ? { hint } : {});
}
