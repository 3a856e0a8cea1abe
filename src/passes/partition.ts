/**
 * Splits a graph into segments that compile and nodes that stay on the host (the fallback side):
 * control flow, ops without a compiled kernel, values whose shapes depend on data, and what the user
 * excludes. Segments grow greedily in graph order: a node joins the segment of one of its producers
 * unless that would close a cycle through the host (a producer outside the segment that itself
 * depends on it), so the segments and host nodes always form an acyclic graph. Segments smaller than
 * the minimum size go back to the host.
 */
import type { Graph, Node } from '../ir/graph.js';
import { typeOf, valuesRead } from '../ir/graph.js';
import { isStaticShape, type TensorType } from '../ir/shape.js';
import { qualifiedOp } from '../ops/node-context.js';
import type { Tensor } from '../ir/tensor.js';

export interface PartitionOptions {
  /** Segments with fewer ops stay on the host. */
  readonly minSegmentSize: number;
  readonly excludeNodes: ReadonlySet<string>;
  /** Op types (`Conv`, or `domain::Op`) kept on the host. */
  readonly excludeOps: ReadonlySet<string>;
}

/** Why a node cannot be compiled (undefined: it can), from the backend's point of view. */
export type CompileCheck = (node: Node, scope: ValueScope) => string | undefined;

/** Types and constant values of the names a graph sees: its own, then its enclosing graphs'. */
export interface ValueScope {
  type(name: string): TensorType | undefined;
  constant(name: string): Tensor | undefined;
}

export function scopeOf(graph: Graph, outer?: ValueScope): ValueScope {
  return {
    type: (name) => typeOf(graph, name) ?? outer?.type(name),
    constant: (name) => graph.initializers.get(name) ?? outer?.constant(name),
  };
}

export interface Segment {
  readonly nodes: readonly Node[];
  /** Values it reads from outside (graph inputs, host nodes, other segments), in first-use order. */
  readonly inputs: readonly string[];
  /** Values it makes that the rest of the graph (or the graph's outputs) reads. */
  readonly outputs: readonly string[];
  /** Constants it reads (its graph's or an enclosing graph's). */
  readonly initializers: readonly string[];
}

export interface Partition {
  readonly segments: readonly Segment[];
  /** Nodes left on the host, each with the reason. */
  readonly host: readonly { readonly node: Node; readonly why: string }[];
}

export function partitionGraph(
  graph: Graph,
  options: PartitionOptions,
  check: CompileCheck,
  scope: ValueScope = scopeOf(graph),
): Partition {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  const why = graph.nodes.map((n) => hostReason(n, scope, options, check));
  // segment of each node (-1: host); the segments each node depends on through any path; the
  // segments each segment depends on (it grows, so reachability is followed at check time)
  const segmentOf = new Array<number>(graph.nodes.length).fill(-1);
  const dependsOn: Set<number>[] = [];
  const segmentDeps: Set<number>[] = [];
  let count = 0;
  const reaches = (from: Iterable<number>, target: number): boolean => {
    const seen = new Set<number>();
    const stack = [...from];
    while (stack.length) {
      const s = stack.pop()!;
      if (s === target) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...segmentDeps[s]!);
    }
    return false;
  };
  graph.nodes.forEach((node, i) => {
    const producers = [
      ...new Set(valuesRead(node).flatMap((v) => (producer.has(v) ? [producer.get(v)!] : []))),
    ];
    const deps = new Set<number>();
    for (const p of producers) {
      for (const s of dependsOn[p]!) deps.add(s);
      if (segmentOf[p]! >= 0) deps.add(segmentOf[p]!);
    }
    dependsOn[i] = deps;
    if (why[i] !== undefined) return;
    // a producer's segment is open to this node unless a producer outside it depends on it: joining
    // would make the segment both before and after that producer
    const candidates = [...new Set(producers.map((p) => segmentOf[p]!).filter((s) => s >= 0))];
    const open = candidates.find((s) =>
      producers.every(
        (p) =>
          segmentOf[p] === s ||
          !reaches([...dependsOn[p]!, ...(segmentOf[p]! >= 0 ? [segmentOf[p]!] : [])], s),
      ),
    );
    const seg = open ?? count++;
    segmentDeps[seg] ??= new Set();
    for (const d of deps) if (d !== seg) segmentDeps[seg]!.add(d);
    segmentOf[i] = seg;
  });
  const members = Array.from({ length: count }, () => [] as number[]);
  segmentOf.forEach((s, i) => s >= 0 && members[s]!.push(i));
  const host: { node: Node; why: string }[] = [];
  graph.nodes.forEach((node, i) => {
    if (why[i] !== undefined) host.push({ node, why: why[i]! });
  });
  const kept = members.filter((m) => {
    if (m.length >= options.minSegmentSize) return true;
    for (const i of m)
      host.push({
        node: graph.nodes[i]!,
        why: `in a segment of ${m.length} op${m.length > 1 ? 's' : ''}, below --min-segment-size ${options.minSegmentSize}`,
      });
    return false;
  });
  // a segment nothing reads is dead code: it leaves the graph
  const segments = kept
    .map((m) =>
      segmentOf_(
        graph,
        scope,
        m.map((i) => graph.nodes[i]!),
      ),
    )
    .filter((s) => s.outputs.length > 0);
  return { segments, host };
}

function hostReason(
  node: Node,
  scope: ValueScope,
  options: PartitionOptions,
  check: CompileCheck,
): string | undefined {
  const op = qualifiedOp(node);
  if (options.excludeNodes.has(node.name)) return 'excluded by --exclude-nodes';
  if (options.excludeOps.has(op) || options.excludeOps.has(node.op)) return 'excluded by --exclude-ops';
  if (Object.values(node.attrs).some((a) => a.kind === 'graph' || a.kind === 'graphs'))
    return `${op} holds subgraphs (control flow runs on the host)`;
  for (const v of [...node.inputs, ...node.outputs]) {
    if (v === '') continue;
    const t: TensorType | undefined = scope.type(v);
    if (!t || !isStaticShape(t.shape)) return `the shape of '${v}' depends on the data`;
  }
  return check(node, scope);
}

/** A segment's boundary: what it reads from outside and what others read of it. */
function segmentOf_(graph: Graph, scope: ValueScope, nodes: readonly Node[]): Segment {
  const inside = new Set(nodes.flatMap((n) => n.outputs));
  const members = new Set(nodes);
  const inputs: string[] = [];
  const initializers: string[] = [];
  for (const n of nodes)
    for (const v of n.inputs) {
      if (v === '' || inside.has(v)) continue;
      const list = scope.constant(v) ? initializers : inputs;
      if (!list.includes(v)) list.push(v);
    }
  const readOutside = new Set<string>(graph.outputs.map((o) => o.name));
  for (const n of graph.nodes) if (!members.has(n)) for (const v of valuesRead(n)) readOutside.add(v);
  const outputs = nodes.flatMap((n) => n.outputs.filter((v) => v !== '' && readOutside.has(v)));
  return { nodes, inputs, outputs, initializers };
}
