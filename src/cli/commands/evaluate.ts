import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { preview } from './preview.js';
import { loadStaticModel } from '../../driver/load-model.js';
import { runGraph } from '../../interpreter/run-graph.js';
import { readNpy, writeNpy } from '../../io/npy.js';
import type { Tensor } from '../../ir/tensor.js';
import { loadOptionsOf, withModelSource, type SourceFlags } from './model-source.js';

/**
 * `neuron-cc evaluate`: runs a model with the reference interpreter on .npy inputs. It is the
 * oracle that compiled code is checked against, available to users for the same purpose.
 */
export function evaluateCommand(program: Command): void {
  withModelSource(
    program.command('evaluate').description('run a model with the reference interpreter on .npy inputs'),
  )
    .option('--input <name=file.npy...>', 'an input value (repeat for each input)', collect, [])
    .option('--output-dir <dir>', 'write each output as <name>.npy here')
    .action(
      (
        path: string,
        params: string | undefined,
        opts: SourceFlags & { input: string[]; outputDir?: string },
      ) => {
        const model = loadStaticModel(path, loadOptionsOf(opts, params));
        const feeds = new Map<string, Tensor>();
        for (const spec of opts.input) {
          const eq = spec.indexOf('=');
          if (eq <= 0) throw new NccError('NCC_BAD_OPTION', `--input must be NAME=FILE.npy, got '${spec}'`);
          const file = spec.slice(eq + 1);
          let bytes: Uint8Array;
          try {
            bytes = readFileSync(file);
          } catch {
            throw new NccError('NCC_FILE_NOT_FOUND', `cannot read input file ${file}`, { file });
          }
          feeds.set(spec.slice(0, eq), readNpy(bytes, file));
        }
        const start = performance.now();
        const outputs = runGraph(model.graph, feeds);
        const ms = performance.now() - start;
        for (const [name, t] of outputs)
          console.log(`${name}: ${t.dtype}[${t.shape.join(',')}] ${preview(t)}`);
        console.log(`reference interpreter: ${ms.toFixed(0)} ms`);
        if (opts.outputDir) {
          mkdirSync(opts.outputDir, { recursive: true });
          for (const [name, t] of outputs) {
            const file = join(opts.outputDir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`);
            // write then rename: a reader never sees a half-written file
            writeFileSync(`${file}.partial`, writeNpy(t));
            renameSync(`${file}.partial`, file);
          }
        }
      },
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
