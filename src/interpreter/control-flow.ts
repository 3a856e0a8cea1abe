/**
 * If and Loop on the host: a branch or the loop body is a subgraph run by the graph runner with
 * the enclosing graph's values as its outer scope. Loop follows ONNX: up to M iterations while the
 * condition holds, loop-carried values fed back, scan outputs stacked on a new leading axis.
 */
import type { Graph, Node } from '../ir/graph.js';
import { tensor, type Tensor } from '../ir/tensor.js';
import { allocate, byteSize } from '../ir/dtype.js';
import { NccError } from '../errors.js';
import { walkGraph, type Scope, type Walk } from './run-graph.js';

/** A loop that has not ended after this many iterations is taken for one that never will. */
const MAX_ITERATIONS = 10_000_000;

export function isControlFlow(node: Node): boolean {
  return node.domain === '' && (node.op === 'If' || node.op === 'Loop');
}

/** Names the node's subgraphs read from enclosing graphs. */
export function freeValues(node: Node): string[] {
  const out = new Set<string>();
  for (const a of Object.values(node.attrs)) {
    const graphs = a.kind === 'graph' ? [a.value] : a.kind === 'graphs' ? a.value : [];
    for (const g of graphs) for (const n of freeValuesOf(g)) out.add(n);
  }
  return [...out];
}

function freeValuesOf(g: Graph): Set<string> {
  const defined = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  const free = new Set<string>();
  for (const node of g.nodes) {
    for (const n of [...node.inputs, ...freeValues(node)]) if (n !== '' && !defined.has(n)) free.add(n);
    for (const n of node.outputs) defined.add(n);
  }
  for (const o of g.outputs) if (!defined.has(o.name)) free.add(o.name);
  return free;
}

function subgraph(node: Node, name: string): Graph {
  const a = node.attrs[name];
  if (a?.kind !== 'graph')
    throw new NccError('NCC_INVALID_GRAPH', `${node.op} has no ${name} graph`, { node: node.name });
  return a.value;
}

export function walkControlFlow(
  node: Node,
  args: readonly (Tensor | undefined)[],
  outer: Scope,
): Walk<Tensor[]> {
  return node.op === 'If' ? walkIf(node, args, outer) : walkLoop(node, args, outer);
}

function truth(t: Tensor | undefined, what: string, node: Node): boolean {
  if (!t || t.data.length !== 1)
    throw new NccError('NCC_BAD_INPUT', `${node.op} ${what} must hold one value`, { node: node.name });
  return Number(t.data[0]) !== 0;
}

function* walkIf(node: Node, args: readonly (Tensor | undefined)[], outer: Scope): Walk<Tensor[]> {
  const branch = subgraph(node, truth(args[0], 'condition', node) ? 'then_branch' : 'else_branch');
  const out = yield* walkGraph(branch, new Map(), { outer });
  return branch.outputs.map((o) => out.get(o.name)!);
}

function* walkLoop(node: Node, args: readonly (Tensor | undefined)[], outer: Scope): Walk<Tensor[]> {
  const body = subgraph(node, 'body');
  const [maxTrips, condIn, ...initial] = args;
  const limit = maxTrips ? Number(maxTrips.data[0]) : Infinity;
  let cond = condIn ? truth(condIn, 'condition', node) : true;
  let carried = initial as Tensor[];
  const scans: Tensor[][] = [];
  const names = body.inputs.map((v) => v.name);
  let i = 0;
  for (; i < limit && cond; i++) {
    if (i >= MAX_ITERATIONS)
      throw new NccError('NCC_BAD_INPUT', `Loop ran ${MAX_ITERATIONS} iterations without ending`, {
        node: node.name,
        hint: 'its condition depends on the inputs; check them',
      });
    const feeds = new Map<string, Tensor>([
      [names[0]!, { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(i)) }],
      [names[1]!, { dtype: 'bool', shape: [], data: Uint8Array.of(cond ? 1 : 0) }],
    ]);
    carried.forEach((t, k) => feeds.set(names[k + 2]!, t));
    const out = yield* walkGraph(body, feeds, { outer, checkFeeds: false });
    const results = body.outputs.map((o) => out.get(o.name)!);
    cond = truth(results[0], 'condition output', node);
    carried = results.slice(1, 1 + carried.length);
    results.slice(1 + carried.length).forEach((t, k) => (scans[k] ??= []).push(t));
  }
  const scanCount = body.outputs.length - 1 - carried.length;
  const stacked = Array.from({ length: scanCount }, (_, k) =>
    stack(scans[k] ?? [], body.outputs[1 + carried.length + k]!.type),
  );
  return [...carried, ...stacked];
}

/** Per-iteration values stacked on a new leading axis (none: an empty tensor of the slice shape). */
function stack(
  parts: readonly Tensor[],
  declared: { dtype: Tensor['dtype']; shape?: readonly (number | string)[] | undefined },
): Tensor {
  if (parts.length === 0) {
    const slice = declared.shape?.every((d) => typeof d === 'number') ? (declared.shape as number[]) : [];
    return tensor(declared.dtype, [0, ...slice]);
  }
  const first = parts[0]!;
  const each = first.data.length;
  const data = allocate(first.dtype, each * parts.length);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  parts.forEach((p, k) => {
    if (p.data.length !== each || p.dtype !== first.dtype)
      throw new NccError('NCC_BAD_INPUT', 'a Loop scan output changed shape between iterations');
    bytes.set(
      new Uint8Array(p.data.buffer, p.data.byteOffset, each * byteSize(p.dtype)),
      k * each * byteSize(p.dtype),
    );
  });
  return { dtype: first.dtype, shape: [parts.length, ...first.shape], data };
}
