/**
 * The arguments and options that say which model a command reads, shared by compile, check and
 * evaluate: the file (an MXNet checkpoint adds its .params file or --epoch), the framework, a
 * TensorFlow SavedModel's signature and tags, and --io-config.
 */
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { FRAMEWORKS, type LoadOptions } from '../../driver/load-model.js';
import { IO_CONFIG_HELP, ioConfigOf } from './io-options.js';
import { parseFramework } from './flags.js';

export interface SourceFlags {
  framework?: string;
  signature?: string;
  tags?: string;
  epoch?: string;
  ioConfig?: string;
}

export function withModelSource(command: Command): Command {
  return command
    .argument('<model>', 'model file (MXNet: PREFIX-symbol.json or the PREFIX)')
    .argument('[params]', 'MXNet: the PREFIX-EPOCH.params file that goes with the symbol')
    .option('--framework <name>', `${FRAMEWORKS.join(', ')} (case-insensitive; default: from the file name)`)
    .option('--signature <name>', 'TensorFlow SavedModel: the signature to compile (default serving_default)')
    .option('--tags <list>', "TensorFlow SavedModel: the meta graph's tags, comma-separated (default serve)")
    .option('--epoch <n>', 'MXNet: the checkpoint epoch whose PREFIX-NNNN.params to read')
    .option('--io-config <json|file>', IO_CONFIG_HELP);
}

export function loadOptionsOf(flags: SourceFlags, params: string | undefined): LoadOptions {
  let epoch: number | undefined;
  if (flags.epoch !== undefined) {
    epoch = Number(flags.epoch);
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new NccError('NCC_BAD_OPTION', `--epoch ${flags.epoch} is not an epoch number`, {
        hint: 'the N of PREFIX-000N.params',
      });
  }
  return {
    ...(flags.framework ? { framework: parseFramework(flags.framework) } : {}),
    ...(flags.signature ? { signature: flags.signature } : {}),
    ...(flags.tags
      ? {
          tags: flags.tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
        }
      : {}),
    ...(params ? { params } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
    ioConfig: ioConfigOf(flags),
  };
}
