import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { NccError } from '../errors.js';
import { attrsOf, opOf, withNodeErrors } from '../ops/node-context.js';

/**
 * Executes a graph with the ops' reference implementations. It is the oracle of the compiler's
 * own tests and the basis of the runtime's fallback; values are freed after their last use.
 */
export function runGraph(graph: Graph, feeds: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const values = new Map<string, Tensor>(graph.initializers);
  for (const input of graph.inputs) {
    const t = feeds.get(input.name);
    if (!t)
      throw new NccError('NCC_BAD_INPUT', `no value given for input '${input.name}'`, { value: input.name });
    checkFeed(input.name, input.type.dtype, input.type.shape, t);
    values.set(input.name, t);
  }
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, i) => node.inputs.forEach((n) => lastUse.set(n, i)));
  const keep = new Set([...graph.outputs.map((o) => o.name), ...graph.initializers.keys()]);
  graph.nodes.forEach((node, i) => {
    const def = opOf(node);
    const attrs = attrsOf(node, def);
    const args = node.inputs.map((n) => {
      if (n === '') return undefined;
      const v = values.get(n);
      if (!v)
        throw new NccError('NCC_INVALID_GRAPH', `value '${n}' is used before it is computed`, {
          node: node.name,
        });
      return v;
    });
    const results = withNodeErrors(node, () => def.reference(args, attrs, node.outputs.length));
    node.outputs.forEach((n, k) => {
      if (n !== '' && results[k]) values.set(n, results[k]);
    });
    for (const n of node.inputs) if (lastUse.get(n) === i && !keep.has(n)) values.delete(n);
  });
  const out = new Map<string, Tensor>();
  for (const o of graph.outputs) {
    const v = values.get(o.name);
    if (!v) throw new NccError('NCC_INVALID_GRAPH', `output '${o.name}' was not computed`, { value: o.name });
    out.set(o.name, v);
  }
  return out;
}

function checkFeed(
  name: string,
  dtype: string,
  shape: readonly (number | string)[] | undefined,
  t: Tensor,
): void {
  if (t.dtype !== dtype) {
    throw new NccError('NCC_BAD_INPUT', `input '${name}' must be ${dtype}, got ${t.dtype}`, { value: name });
  }
  if (!shape) return;
  const fits =
    shape.length === t.shape.length && shape.every((d, i) => typeof d === 'string' || d === t.shape[i]);
  if (!fits) {
    throw new NccError(
      'NCC_BAD_INPUT',
      `input '${name}' must have shape [${shape.join(',')}], got [${t.shape.join(',')}]`,
      {
        value: name,
        hint: 'the shape must match the one the model was prepared for',
      },
    );
  }
}
