import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { compileModel, type OptLevel, type Stage } from '../../driver/compile.js';
import type { Framework } from '../../driver/load-model.js';
import { formatBytes } from './check.js';
import { IO_CONFIG_HELP, ioConfigOf } from './io-options.js';
import { parseFramework, parseVerbosity, type Verbosity } from './flags.js';

interface CompileFlags {
  framework?: string;
  ioConfig?: string;
  output: string;
  optLevel: string;
  verbose?: string | boolean;
}

/** `neuron-cc compile`: a model to one .neff file, written whole or not at all. */
export function compileCommand(program: Command): void {
  program
    .command('compile')
    .description('compile a model to a NEFF file')
    .argument('<model>', 'model file')
    .option('--framework <name>', 'onnx (case-insensitive; default: from the file name)')
    .option('--io-config <json|file>', IO_CONFIG_HELP)
    .option('--output <file>', 'the NEFF to write', 'out.neff')
    .option('-O, --opt-level <level>', 'optimization level 0-3', '2')
    .option('--verbose [level]', 'progress detail: DEBUG, INFO, WARN, ERROR or 0-3 (default INFO)')
    .action((path: string, flags: CompileFlags) => {
      const verbosity = parseVerbosity(flags.verbose);
      const framework: Framework | undefined = flags.framework ? parseFramework(flags.framework) : undefined;
      const optLevel = Number(flags.optLevel);
      if (![0, 1, 2, 3].includes(optLevel)) {
        throw new NccError('NCC_BAD_OPTION', `-O ${flags.optLevel} is not an optimization level`, {
          hint: 'use 0, 1, 2 or 3',
        });
      }
      const started = performance.now();
      const result = compileModel(path, {
        ...(framework ? { framework } : {}),
        ioConfig: ioConfigOf(flags),
        optLevel: optLevel as OptLevel,
        onStage: (stage: Stage) => progress(verbosity, `${stage}...`, started),
      });
      // write beside the target and rename: a crash or a full disk never leaves a partial NEFF
      const partial = `${flags.output}.partial-${process.pid}`;
      try {
        writeFileSync(partial, result.neff);
        renameSync(partial, flags.output);
      } catch (e) {
        rmSync(partial, { force: true });
        throw new NccError('NCC_BAD_OPTION', `cannot write ${flags.output}: ${(e as Error).message}`, {
          file: flags.output,
          hint: 'check that the output directory exists and is writable',
        });
      }
      const s = result.summary;
      const stages = Object.entries(s.stageMs)
        .map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`)
        .join(', ');
      console.log(
        [
          `compiled ${s.model} -> ${flags.output} (${formatBytes(s.neffBytes)})`,
          `  ops ${s.ops}, kernels ${s.kernels}, weights ${formatBytes(s.weightBytes)}, peak arena ${formatBytes(s.arenaBytes)}`,
          `  variants: ${s.variants.map((v) => v.join('+')).join(', ')}`,
          `  time: ${stages}`,
        ].join('\n'),
      );
    });
}

function progress(verbosity: Verbosity, message: string, started: number): void {
  if (verbosity >= 2)
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}
