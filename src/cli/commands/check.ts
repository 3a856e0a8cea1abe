import type { Command } from 'commander';
import { byteSize } from '../../ir/dtype.js';
import type { Model } from '../../ir/graph.js';
import { printGraph, printType } from '../../ir/print.js';
import { sizeOf } from '../../ir/tensor.js';
import { loadStaticModel, type Framework } from '../../driver/load-model.js';
import { IO_CONFIG_HELP, ioConfigOf, type ModelOptions } from './io-options.js';

/** `neuron-cc check`: import, pin, infer static shapes, and summarize (or fail with a coded error). */
export function checkCommand(program: Command): void {
  program
    .command('check')
    .description('import a model, infer static shapes and print a summary')
    .argument('<model>', 'model file')
    .option('--framework <name>', 'model format (default: from the file name)')
    .option('--io-config <json|file>', IO_CONFIG_HELP)
    .option('--dump-ir', 'print the IR after shape inference')
    .action((path: string, opts: ModelOptions & { dumpIr?: boolean }) => {
      const model = loadStaticModel(path, {
        ...(opts.framework ? { framework: opts.framework as Framework } : {}),
        ioConfig: ioConfigOf(opts),
      });
      console.log(summarize(model));
      if (opts.dumpIr) console.log(`\n${printGraph(model.graph)}`);
    });
}

export function summarize(model: Model): string {
  const g = model.graph;
  const counts = new Map<string, number>();
  for (const n of g.nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
  let paramBytes = 0;
  for (const t of g.initializers.values()) paramBytes += sizeOf(t.shape) * byteSize(t.dtype);
  const opsets = [...model.opsets].map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ');
  const lines = [
    `model ${model.name} (${model.source.format}${model.producer ? `, from ${model.producer}` : ''}; opsets: ${opsets})`,
    'inputs:',
    ...g.inputs.map((v) => `  ${v.name}: ${printType(v.type)}`),
    'outputs:',
    ...g.outputs.map((v) => `  ${v.name}: ${printType(v.type)}`),
    `nodes: ${g.nodes.length} after constant folding`,
    ...[...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([op, n]) => `  ${op.padEnd(24)} ${n}`),
    `parameters: ${g.initializers.size} tensors, ${formatBytes(paramBytes)}`,
    'shapes: all static',
  ];
  return lines.join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}
