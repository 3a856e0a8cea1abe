import type { Graph, Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { NccError } from '../errors.js';
import { attrsOf, opOf, withNodeErrors } from '../ops/node-context.js';
import { freeValues, isControlFlow, walkControlFlow } from './control-flow.js';

/** Values of enclosing graphs a subgraph may read by name. */
export type Scope = (name: string) => Tensor | undefined;

/** One node to execute on host values (If and Loop never: the walk runs their subgraphs itself). */
export interface NodeCall {
  readonly node: Node;
  readonly args: readonly (Tensor | undefined)[];
}

/**
 * A graph walk that hands each node to its driver and takes its results back: the synchronous
 * reference runner and the asynchronous runner of partitioned models (whose compiled segments run
 * on the NEFF runtime) drive the same walk, control flow included.
 */
export type Walk<T> = Generator<NodeCall, T, Tensor[]>;

export interface WalkOptions {
  /** Values of enclosing graphs (subgraphs of If and Loop read them). */
  readonly outer?: Scope;
  /** Subgraph inputs carry declared types that iterations may change: their feeds are not checked. */
  readonly checkFeeds?: boolean;
}

/**
 * Executes a graph with the ops' reference implementations. It is the oracle of the compiler's
 * own tests and the basis of the runtime's fallback; values are freed after their last use. If and
 * Loop run their subgraphs here, with this graph's values as their outer scope.
 */
export function runGraph(
  graph: Graph,
  feeds: ReadonlyMap<string, Tensor>,
  options: WalkOptions = {},
): Map<string, Tensor> {
  const walk = walkGraph(graph, feeds, options);
  for (let step = walk.next(); ;) {
    if (step.done) return step.value;
    step = walk.next(runReference(step.value));
  }
}

/** A node on its op's reference implementation. */
export function runReference({ node, args }: NodeCall): Tensor[] {
  return withNodeErrors(node, () =>
    opOf(node).reference(args, attrsOf(node, opOf(node)), node.outputs.length),
  );
}

export function* walkGraph(
  graph: Graph,
  feeds: ReadonlyMap<string, Tensor>,
  options: WalkOptions = {},
): Walk<Map<string, Tensor>> {
  const values = new Map<string, Tensor>(graph.initializers);
  for (const input of graph.inputs) {
    const t = feeds.get(input.name);
    if (!t)
      throw new NccError('NCC_BAD_INPUT', `no value given for input '${input.name}'`, { value: input.name });
    if (options.checkFeeds !== false) checkFeed(input.name, input.type.dtype, input.type.shape, t);
    values.set(input.name, t);
  }
  const lookup: Scope = (name) => values.get(name) ?? options.outer?.(name);
  // a node's subgraphs read values too: they must live until that node has run
  const reads = graph.nodes.map((node) => [...node.inputs, ...(isControlFlow(node) ? freeValues(node) : [])]);
  const lastUse = new Map<string, number>();
  reads.forEach((names, i) => names.forEach((n) => lastUse.set(n, i)));
  const keep = new Set([...graph.outputs.map((o) => o.name), ...graph.initializers.keys()]);
  for (const [i, node] of graph.nodes.entries()) {
    const args = node.inputs.map((n) => {
      if (n === '') return undefined;
      const v = lookup(n);
      if (!v)
        throw new NccError('NCC_INVALID_GRAPH', `value '${n}' is used before it is computed`, {
          node: node.name,
        });
      return v;
    });
    const results = isControlFlow(node) ? yield* walkControlFlow(node, args, lookup) : yield { node, args };
    node.outputs.forEach((n, k) => {
      if (n !== '' && results[k]) values.set(n, results[k]);
    });
    for (const n of reads[i]!) if (lastUse.get(n) === i && !keep.has(n)) values.delete(n);
  }
  const out = new Map<string, Tensor>();
  for (const o of graph.outputs) {
    const v = lookup(o.name);
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
