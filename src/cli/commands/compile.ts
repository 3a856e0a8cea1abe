import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { compileModel, type CompileSummary, type OptLevel, type Stage } from '../../driver/compile.js';
import { parseAutoCast } from '../../options/auto-cast.js';
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
  autoCast?: string;
  autoCastType?: string;
  fp32Cast?: string;
  fastMath?: string[];
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
    .option(
      '--auto-cast <mode>',
      'store float32 data in 16 bits: none (default), matmult (weights of MatMul/Gemm/Conv and embedding tables), all',
    )
    .option('--auto-cast-type <type>', 'the 16-bit type: bf16 (default) or fp16')
    .option('--fp32-cast <mode>', 'older spelling: matmult, matmult-bf16, matmult-fp16, all, all-fp16, none')
    .option(
      '--fast-math <values...>',
      'older spelling: none, all, fp32-cast-matmult[-bf16|-fp16], fp32-cast-all[-fp16]',
    )
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
        autoCast: parseAutoCast(flags),
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
          ...(s.autoCast ? [autoCastLine(s.autoCast)] : []),
          `  time: ${stages}`,
        ].join('\n'),
      );
    });
}

function autoCastLine(a: NonNullable<CompileSummary['autoCast']>): string {
  const kept = a.kept.map((k) => `${k.name} (${k.why})`).join('; ');
  return `  auto-cast ${a.setting}: ${a.constants} weight tensors stored in 16 bits${kept ? `; kept float32: ${kept}` : ''}`;
}

function progress(verbosity: Verbosity, message: string, started: number): void {
  if (verbosity >= 2)
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}
