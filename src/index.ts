/**
 * neuron-cc's programmatic API: compile a model file to NEFF bytes with the CLI's options.
 *
 *   import { compile } from 'neuron-cc';
 *   const { neff, summary } = await compile('model.onnx', { ioConfig: { inputs: { x: [[1, 3, 224, 224], 'float32'] } } });
 *
 * The runtime that runs NEFFs is the separate, dependency-free entry `neuron-cc/runtime`.
 */
import {
  compileModel,
  type CompileResult,
  type CompileSummary,
  type OptLevel,
  type Stage,
} from './driver/compile.js';
import { parseIoConfig } from './options/io-config.js';
import { parseAutoCast } from './options/auto-cast.js';
import { NccError, isNccError, type ErrorCode } from './errors.js';
import type { Framework } from './driver/load-model.js';

export interface CompileApiOptions {
  /** 'onnx' (any case); default: from the file name. */
  readonly framework?: string;
  /** The --io-config object (or its JSON text, or a path to a JSON file). */
  readonly ioConfig?: string | Readonly<Record<string, unknown>>;
  readonly optLevel?: OptLevel;
  /** --auto-cast: 'none' (default), 'matmult' or 'all'. */
  readonly autoCast?: string;
  /** --auto-cast-type: 'bf16' (default) or 'fp16'. */
  readonly autoCastType?: string;
  readonly onStage?: (stage: Stage) => void;
}

export async function compile(modelPath: string, options: CompileApiOptions = {}): Promise<CompileResult> {
  const ioConfig =
    options.ioConfig === undefined
      ? undefined
      : parseIoConfig(
          typeof options.ioConfig === 'string' ? options.ioConfig : JSON.stringify(options.ioConfig),
        );
  return compileModel(modelPath, {
    ...(options.framework ? { framework: options.framework.toLowerCase() as Framework } : {}),
    ...(ioConfig ? { ioConfig } : {}),
    ...(options.optLevel !== undefined ? { optLevel: options.optLevel } : {}),
    autoCast: parseAutoCast({
      ...(options.autoCast !== undefined ? { autoCast: options.autoCast } : {}),
      ...(options.autoCastType !== undefined ? { autoCastType: options.autoCastType } : {}),
    }),
    ...(options.onStage ? { onStage: options.onStage } : {}),
  });
}

export { NccError, isNccError };
export type { CompileResult, CompileSummary, ErrorCode, OptLevel, Stage };
