import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { writeNpy } from '../../io/npy.js';
import { readNeff } from '../../neff/reader.js';
import { positiveInts } from '../../bench/args.js';
import { benchModel, compileLine, compileModel } from '../../bench/bench-model.js';
import { installedRuntimes } from '../../bench/machine.js';
import { DEFAULT_TOLERANCE, formatOf, type BenchModel } from '../../bench/models.js';
import { peersFor } from '../../bench/protocol.js';
import { allTables } from '../../bench/report.js';
import { textTable } from '../../bench/table.js';
import { runPlan } from '../../bench/suite.js';
import { feedsFromFlags } from './feeds.js';
import { parseFramework } from './flags.js';
import { IO_CONFIG_HELP } from './io-options.js';

interface BenchFlags {
  framework?: string;
  ioConfig?: string;
  threads: string;
  runs?: string;
  input: string[];
  quick?: boolean;
}

/**
 * `neuron-cc bench MODEL`: the bench of `npm run bench` on any model. Inputs not given as .npy files
 * are seeded random data; outputs are checked against onnxruntime-node's (the reference a user's
 * model has), within atol = rtol = 1e-3. Peers that are not installed are skipped.
 */
export function benchCommand(program: Command): void {
  program
    .command('bench')
    .description('compile a model and measure it against onnxruntime-node and onnxruntime-web')
    .argument('<model>', 'model file')
    .option('--framework <name>', 'onnx (case-insensitive; default: from the file name)')
    .option('--io-config <json|file>', IO_CONFIG_HELP)
    .option('--threads <list>', 'thread counts, comma-separated', '1,2')
    .option('--runs <n>', 'at most this many interleaved rounds per thread count')
    .option('--input <name=file.npy...>', 'an input value (default: seeded random data)', collect, [])
    .option('--quick', 'fewer runs')
    .action(async (path: string, flags: BenchFlags) => {
      const framework = flags.framework ? parseFramework(flags.framework) : undefined;
      const runs = flags.runs === undefined ? undefined : positiveInts(flags.runs, '--runs')[0];
      const threads = positiveInts(flags.threads, '--threads');
      const workDir = mkdtempSync(join(tmpdir(), 'neuron-cc-bench-'));
      try {
        const log = (line: string): void => console.log(line);
        const format = formatOf(path, framework);
        if (format === 'other')
          log('no peer runs this model (ONNX or a TF.js model.json): measuring neuron-cc alone');
        const runtimes = installedRuntimes(['neuron-cc', ...peersFor(format)], log);
        const partial: BenchModel = {
          name: basename(path),
          modelFile: path,
          format,
          ...(framework ? { framework } : {}),
          ...(flags.ioConfig ? { ioConfig: flags.ioConfig } : {}),
          inputs: {},
          outputs: {},
          tolerance: DEFAULT_TOLERANCE,
        };
        const neff = join(workDir, 'model.neff');
        const result = await compileModel(partial, neff, 30 * 60_000).catch((e: unknown) => {
          throw new NccError('NCC_BAD_INPUT', `cannot compile ${path}: ${(e as Error).message}`, {
            file: path,
          });
        });
        log(compileLine(result));
        const model = { ...partial, inputs: writeInputs(neff, flags.input, workDir) };
        const plan = {
          threads,
          runtimes,
          run: (gflop: number) => runPlan(gflop, flags.quick === true, runs),
          coldRuns: flags.quick ? 1 : 3,
          workDir,
          timeoutMs: 30 * 60_000,
        };
        const report = await benchModel(model, plan, log, { neff, result });
        for (const t of allTables([report]))
          if (t.rows.length) log(`\n${t.title}\n${textTable(t.header, t.rows)}`);
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    });
}

/** The inputs as .npy files for the bench's processes: the given ones, seeded random data for the rest. */
function writeInputs(neff: string, specs: readonly string[], dir: string): Record<string, string> {
  const { inputs } = readNeff(readFileSync(neff)).contents.metadata;
  const feeds = feedsFromFlags(inputs, specs, { random: true });
  const files: Record<string, string> = {};
  inputs.forEach((info, i) => {
    const file = join(dir, `input-${i}.npy`);
    writeFileSync(file, writeNpy({ dtype: info.dtype, shape: [...info.shape], data: feeds[info.name]! }));
    files[info.name] = file;
  });
  return files;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
