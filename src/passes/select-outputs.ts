import { valuesRead, type Graph, type Node } from '../ir/graph.js';
import { NccError } from '../errors.js';

/** Keeps the requested outputs (all by default) and drops every node and constant they do not need. */
export function selectOutputs(graph: Graph, names?: readonly string[]): Graph {
  const outputs = names
    ? names.map((n) => {
        const o = graph.outputs.find((v) => v.name === n || `${v.name}:0` === n);
        if (!o) {
          throw new NccError(
            'NCC_BAD_OPTION',
            `--io-config asks for output "${n}", which the model does not have`,
            {
              hint: `the model's outputs are: ${graph.outputs.map((v) => v.name).join(', ')}`,
            },
          );
        }
        return o;
      })
    : graph.outputs;
  const live = new Set(outputs.map((o) => o.name));
  const kept: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((n) => live.has(n))) continue;
    kept.push(node);
    for (const n of valuesRead(node)) live.add(n);
  }
  kept.reverse();
  const initializers = new Map([...graph.initializers].filter(([n]) => live.has(n)));
  return { ...graph, outputs, nodes: kept, initializers };
}
