/**
 * `compile --partition`: writes the .neuron.onnx (compiled segments as NeuronOp nodes carrying their
 * NEFFs, the rest as ONNX nodes for the fallback side) and prints what went where: segments, the
 * share of ops and FLOPs compiled, and each node left on the host with the reason.
 */
import { writeOutput } from './write-output.js';
import {
  compilePartitioned,
  type PartitionCompileOptions,
  type PartitionSummary,
} from '../../driver/partition.js';
import { formatBytes } from './check.js';

export function runPartitionedCompile(path: string, output: string, options: PartitionCompileOptions): void {
  const started = performance.now();
  const result = compilePartitioned(path, options);
  writeOutput(output, result.onnx);
  console.log(summaryLines(result.summary, output, performance.now() - started).join('\n'));
}

export function summaryLines(s: PartitionSummary, output: string, ms: number): string[] {
  const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
  const byReason = new Map<string, string[]>();
  for (const h of s.host)
    byReason.set(`${h.op}: ${h.why}`, [...(byReason.get(`${h.op}: ${h.why}`) ?? []), h.node]);
  return [
    `partitioned ${s.model} -> ${output} (${formatBytes(s.bytes)}) in ${ms.toFixed(0)} ms`,
    `  ${s.segments.length} compiled segment${s.segments.length === 1 ? '' : 's'}: ${pct(s.compiledOps, s.ops)} of ops (${s.compiledOps}/${s.ops}), ${pct(s.compiledFlops, s.flops)} of conv/matmul FLOPs`,
    ...s.segments.map(
      (g, k) =>
        `    segment ${k}: ${g.ops} ops, ${g.inputs} in, ${g.outputs} out, NEFF ${formatBytes(g.neffBytes)}`,
    ),
    ...(byReason.size ? ['  on the host (fallback interpreter):'] : []),
    ...[...byReason].map(
      ([why, nodes]) =>
        `    ${why} (${nodes
          .slice(0, 3)
          .map((n) => `'${n}'`)
          .join(', ')}${nodes.length > 3 ? `, ... ${nodes.length} nodes` : ''})`,
    ),
  ];
}
