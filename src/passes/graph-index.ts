import { valuesRead, type Graph, type Node } from '../ir/graph.js';
import type { TensorType } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';

/** Who reads and who writes each value of a graph: what the pattern-matching passes walk. */
export interface Index {
  readonly graph: Graph;
  readonly readers: ReadonlyMap<string, readonly Node[]>;
  readonly producer: ReadonlyMap<string, Node>;
  readonly outputs: ReadonlySet<string>;
  type(v: string): TensorType | undefined;
}

export function indexOf(graph: Graph): Index {
  const readers = new Map<string, Node[]>();
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) {
    for (const v of new Set(valuesRead(n))) readers.set(v, [...(readers.get(v) ?? []), n]);
    for (const o of n.outputs) producer.set(o, n);
  }
  const inputs = new Map(graph.inputs.map((v) => [v.name, v.type]));
  return {
    graph,
    readers,
    producer,
    outputs: new Set(graph.outputs.map((o) => o.name)),
    type: (v) => {
      const c = graph.initializers.get(v);
      return c ? { dtype: c.dtype, shape: c.shape } : (inputs.get(v) ?? graph.valueTypes.get(v));
    },
  };
}

/** The one node reading intermediate `v` (not a graph output), if it is an ONNX `op`. */
export function soleReader(ix: Index, v: string, ops: readonly string[]): Node | undefined {
  if (ix.outputs.has(v)) return undefined;
  const r = ix.readers.get(v) ?? [];
  const n = r[0];
  return r.length === 1 && n!.domain === '' && ops.includes(n!.op) ? n : undefined;
}

/** The other input of a two-input node, given one of them. */
export function other(node: Node, v: string): string | undefined {
  const [a, b] = node.inputs;
  if (node.inputs.length !== 2) return undefined;
  return a === v ? b : b === v ? a : undefined;
}

/** Names not yet used by the graph's constants or node outputs: `hint`, or `hint_1`, `hint_2`... */
export function freshNames(graph: Graph): (hint: string) => string {
  const names = new Set([...graph.initializers.keys(), ...graph.nodes.flatMap((n) => n.outputs)]);
  return (hint) => {
    let name = hint;
    for (let i = 1; names.has(name); i++) name = `${hint}_${i}`;
    names.add(name);
    return name;
  };
}

/**
 * The graph with `nodes`, its constants and value types joined by `added` ones and limited to what a
 * node or output still uses.
 */
export function withNodes(
  graph: Graph,
  nodes: readonly Node[],
  added: { constants?: ReadonlyMap<string, Tensor>; types?: ReadonlyMap<string, TensorType> } = {},
): Graph {
  const live = new Set(graph.outputs.map((o) => o.name));
  for (const n of nodes) for (const v of [...valuesRead(n), ...n.outputs]) live.add(v);
  const keep = <T>(entries: Iterable<[string, T]>): Map<string, T> =>
    new Map([...entries].filter(([k]) => live.has(k)));
  return {
    ...graph,
    nodes,
    initializers: keep([...graph.initializers, ...(added.constants ?? [])]),
    valueTypes: keep([...graph.valueTypes, ...(added.types ?? [])]),
  };
}
