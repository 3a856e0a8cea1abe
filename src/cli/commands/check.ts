import type { Command } from 'commander';
import { byteSize } from '../../ir/dtype.js';
import type { Model } from '../../ir/graph.js';
import { printGraph, printType } from '../../ir/print.js';
import { sizeOf } from '../../ir/tensor.js';
import { loadStaticModel } from '../../driver/load-model.js';
import { loadOptionsOf, withModelSource, type SourceFlags } from './model-source.js';

/** `neuron-cc check`: import, pin, infer static shapes, and summarize (or fail with a coded error). */
export function checkCommand(program: Command): void {
  withModelSource(
    program.command('check').description('import a model, infer static shapes and print a summary'),
  )
    .option('--dump-ir', 'print the IR after shape inference')
    .action((path: string, params: string | undefined, opts: SourceFlags & { dumpIr?: boolean }) => {
      const model = loadStaticModel(path, loadOptionsOf(opts, params));
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
