import type { Graph } from '../ir/graph.js';
import { isStaticShape, type TensorType } from '../ir/shape.js';
import { NccError } from '../errors.js';

/**
 * The compile contract: after pinning and inference every value has a static shape. The error names
 * the first offender (an input, or a value and the node that made it) and the --io-config that fixes it.
 */
export function requireStaticShapes(graph: Graph): void {
  requireStaticInputs(graph);
  for (const node of graph.nodes) {
    for (const name of node.outputs) {
      if (name === '') continue;
      const t = graph.valueTypes.get(name);
      if (t && isStaticShape(t.shape)) continue;
      throw new NccError(
        'NCC_DYNAMIC_SHAPE',
        `value '${name}' made by ${node.op} node '${node.name}' has shape ${t ? describe(t) : 'unknown'}, which depends on input data`,
        {
          node: node.name,
          op: node.op,
          value: name,
          hint: 'this part of the model cannot be compiled with static shapes; pin every input (--io-config) or leave it to the partitioner',
        },
      );
    }
  }
}

/** Every graph input must be pinned; the error shows the --io-config that pins them. */
export function requireStaticInputs(graph: Graph): void {
  const dynamicInputs = graph.inputs.filter((v) => !isStaticShape(v.type.shape));
  if (dynamicInputs.length) {
    const first = dynamicInputs[0]!;
    throw new NccError(
      'NCC_DYNAMIC_SHAPE',
      `input '${first.name}' has shape ${describe(first.type)}, which is not static` +
        (dynamicInputs.length > 1
          ? ` (also: ${dynamicInputs
              .slice(1)
              .map((v) => `'${v.name}'`)
              .join(', ')})`
          : ''),
      { value: first.name, hint: pinHint(graph) },
    );
  }
}

/** The fix, with the model's own symbol names so the user sees which sizes to choose. */
export function pinHint(graph: Graph): string {
  const symbols = [
    ...new Set(graph.inputs.flatMap((v) => (v.type.shape ?? []).filter((d) => typeof d === 'string'))),
  ];
  const bySymbol = symbols.length
    ? ` or by dim name: --io-config '${JSON.stringify({ dims: Object.fromEntries(symbols.map((s) => [s, 1])) })}'`
    : '';
  return `pin the input shapes you deploy with (1 stands for each unknown size): --io-config '${suggestConfig(graph)}'${bySymbol}`;
}

function describe(t: TensorType): string {
  return t.shape ? `[${t.shape.join(',')}]` : 'of unknown rank';
}

/** An --io-config that pins every input, with 1 for symbolic dims (the usual batch/sequence guess). */
export function suggestConfig(graph: Graph): string {
  const inputs: Record<string, [number[], string]> = {};
  for (const v of graph.inputs) {
    const shape = v.type.shape ? v.type.shape.map((d) => (typeof d === 'number' ? d : 1)) : [1];
    inputs[v.name] = [shape, v.type.dtype];
  }
  return JSON.stringify({ inputs });
}
