/**
 * The benchmark model set: DIR/<name>/model.onnx with meta.json (io_config, inputs, outputs,
 * tolerance), inputs/*.npy and outputs/*.npy, and DIR/models.json with each model's GFLOP, as
 * ../shared/scripts/make-bench-models.sh writes them. A model that is not there is skipped, with the
 * command that makes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelFormat, Tolerance } from './protocol.js';
import type { SkippedModel } from './results.js';

export const BENCH_MODELS = [
  'resnet50',
  'resnet18',
  'mobilenet_v2',
  'squeezenet1_1',
  'efficientnet_b0',
  'bert_small',
  'bert_base',
  // bert_base at sequence length 1: where weight traffic dominates (auto-cast's target)
  'bert_base_seq1',
  // a MobileNetV2-class TF.js graph model, against TensorFlow.js's wasm backend
  'handlandmark_lite_tfjs',
] as const;

/** Models the shared script does not make, and the project command that does. */
const OWN_SCRIPTS: Readonly<Record<string, string>> = {
  bert_base_seq1: '/usr/bin/python3 scripts/make-bert-seq1.py',
  handlandmark_lite_tfjs: 'node scripts/make-tfjs-bench-model.mjs',
};

export const MAKE_MODELS_SCRIPT = '../shared/scripts/make-bench-models.sh';

export interface BenchModel {
  readonly name: string;
  readonly modelFile: string;
  readonly format: ModelFormat;
  /** Default: from the file name. */
  readonly framework?: string;
  readonly ioConfig?: string | Readonly<Record<string, unknown>>;
  readonly inputs: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly tolerance: Tolerance;
  /** From models.json or meta.json; undefined: taken from the NEFF's kernel table. */
  readonly gflop?: number;
}

interface Meta {
  framework?: string;
  files?: string[];
  io_config?: Record<string, unknown>;
  inputs?: Record<string, string>;
  outputs?: Record<string, string>;
  tolerance?: Partial<Tolerance>;
  gflops?: number;
}

/** Used when a model states no tolerance. */
export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-3, rtol: 1e-3 };

export function discoverModels(
  dir: string,
  names: readonly string[],
): { models: BenchModel[]; skipped: SkippedModel[] } {
  const gflops = readGflops(dir);
  const models: BenchModel[] = [];
  const skipped: SkippedModel[] = [];
  for (const name of names) {
    const found = readModel(dir, name, gflops.get(name));
    if (typeof found === 'string')
      skipped.push({
        name,
        reason: found,
        command: OWN_SCRIPTS[name]
          ? `${OWN_SCRIPTS[name]} ${resolve(dir)}`
          : `${MAKE_MODELS_SCRIPT} ${resolve(dir)} --only ${name}`,
      });
    else models.push(found);
  }
  return { models, skipped };
}

function readModel(dir: string, name: string, gflop: number | undefined): BenchModel | string {
  const folder = join(dir, name);
  if (!existsSync(folder)) return `no folder ${folder}`;
  const metaFile = join(folder, 'meta.json');
  let meta: Meta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Meta;
  } catch (e) {
    return `cannot read ${metaFile}: ${(e as Error).message}`;
  }
  const modelFile = join(folder, meta.files?.[0] ?? 'model.onnx');
  const format = formatOf(modelFile, meta.framework);
  if (format === 'other') return `${modelFile} is neither ONNX nor a TF.js graph model: no peer runs it`;
  const files = [modelFile, ...Object.values(meta.inputs ?? {}).map((f) => join(folder, f))];
  const outputs = Object.fromEntries(
    Object.entries(meta.outputs ?? {}).map(([k, f]) => [k, join(folder, f)]),
  );
  const missing = [...files, ...Object.values(outputs)].find((f) => !existsSync(f));
  if (missing) return `missing ${missing}`;
  if (Object.keys(meta.inputs ?? {}).length === 0) return `${metaFile} names no inputs`;
  return {
    name,
    modelFile,
    format,
    framework: format === 'onnx' ? 'onnx' : 'tensorflow',
    ...(meta.io_config ? { ioConfig: meta.io_config } : {}),
    inputs: Object.fromEntries(Object.entries(meta.inputs ?? {}).map(([k, f]) => [k, join(folder, f)])),
    outputs,
    tolerance: { ...DEFAULT_TOLERANCE, ...meta.tolerance },
    ...((gflop ?? meta.gflops) !== undefined ? { gflop: gflop ?? meta.gflops } : {}),
  };
}

export function formatOf(file: string, framework: string | undefined): ModelFormat {
  const lower = file.toLowerCase();
  if ((framework ?? 'onnx') === 'onnx' && lower.endsWith('.onnx')) return 'onnx';
  if ((framework ?? 'tensorflow') === 'tensorflow' && lower.endsWith('.json')) return 'tfjs';
  return 'other';
}

function readGflops(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const index = JSON.parse(readFileSync(join(dir, 'models.json'), 'utf8')) as Record<
      string,
      { gflops?: unknown }
    >;
    for (const [name, entry] of Object.entries(index))
      if (typeof entry.gflops === 'number') out.set(name, entry.gflops);
  } catch {
    // no index: GFLOP come from each NEFF's kernel table
  }
  return out;
}
