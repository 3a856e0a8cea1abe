import type { DType } from '../ir/dtype.js';
import { valuesRead, type Graph, type Node, type ValueInfo } from '../ir/graph.js';
import type { TensorType } from '../ir/shape.js';
import { sizeOf, type Tensor } from '../ir/tensor.js';
import { FUSABLE_ELEMENTWISE } from '../ops/elementwise/fused.js';
import { FUSED_DOMAIN } from '../ops/linalg/fused.js';
import type { GraphPass } from './pipeline.js';

/**
 * Elementwise-chain fusion: producers feed consumers through values nobody else reads, so a chain
 * (a tree, really) of elementwise ops becomes one ai.neuron::FusedElementwise node, lowered to one
 * loop that keeps the intermediates in registers (src/ops/elementwise/fused.ts). A value joins its
 * consumer's group only when
 *   - its consumer is the only node reading it and it is not a graph output (what several nodes or
 *     the caller read stays materialized);
 *   - it has the consumer's output shape (a broadcast operand would be recomputed per element:
 *     inputs of the group broadcast freely, but the group does not grow through them);
 *   - its dtype stores exactly what its kernel computes (float32, float64, 32/64-bit integers, bool):
 *     fused, nothing rounds or wraps it on a store, so halves and narrow integers stay materialized.
 * One-element constants move into the body (they become immediates); the fused node takes the
 * place, name and output of the group's last node. Runs after epilogue fusion, which folds what it
 * can into convolutions and matrix products first.
 */

const EXACT: ReadonlySet<DType> = new Set([
  'float32',
  'float64',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
]);
/** Keeps a kernel's expression (and the wasm function) a reasonable size. */
const MAX_NODES = 24;
const MAX_INPUTS = 16;

interface Facts {
  readonly readers: ReadonlyMap<string, readonly Node[]>;
  readonly outputs: ReadonlySet<string>;
  type(v: string): TensorType | undefined;
}

function factsOf(graph: Graph): Facts {
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes)
    for (const v of new Set(valuesRead(n))) readers.set(v, [...(readers.get(v) ?? []), n]);
  const inputs = new Map(graph.inputs.map((v) => [v.name, v.type]));
  return {
    readers,
    outputs: new Set(graph.outputs.map((o) => o.name)),
    type: (v) => {
      const c = graph.initializers.get(v);
      return c ? { dtype: c.dtype, shape: c.shape } : (inputs.get(v) ?? graph.valueTypes.get(v));
    },
  };
}

function staticShape(t: TensorType | undefined): readonly number[] | undefined {
  const s = t?.shape;
  return s && s.every((d): d is number => typeof d === 'number') ? s : undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A node the pass may put in a group: a single-output elementwise map of static shape. */
function fusable(node: Node, facts: Facts): boolean {
  if (node.domain !== '' || !FUSABLE_ELEMENTWISE.has(node.op) || node.outputs.length !== 1) return false;
  const out = facts.type(node.outputs[0]!);
  if (!staticShape(out)) return false;
  const present = node.inputs.filter((n) => n !== '');
  // a same-dtype Cast and a one-input Sum/Max/... are views, not maps
  if (node.op === 'Cast') return facts.type(present[0]!)?.dtype !== out!.dtype;
  if (['Sum', 'Mean', 'Max', 'Min'].includes(node.op)) return present.length > 1;
  return node.op !== 'CastLike';
}

/** Whether value `v` (made by a group's last node) may join the group of its reader `consumer`. */
function joins(v: string, consumer: Node, facts: Facts): boolean {
  if (facts.outputs.has(v)) return false;
  const readers = facts.readers.get(v) ?? [];
  if (readers.length !== 1 || readers[0] !== consumer) return false;
  const t = facts.type(v);
  const shape = staticShape(t);
  const out = staticShape(facts.type(consumer.outputs[0]!));
  return !!shape && !!out && sameShape(shape, out) && EXACT.has(t!.dtype);
}

export const fuseElementwise: GraphPass = (graph) => {
  const facts = factsOf(graph);
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  /** Each fusable node's group, in graph order; a group is keyed by its last node. */
  const groupOf = new Map<Node, Node[]>();
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  for (const node of graph.nodes) {
    if (!fusable(node, facts)) continue;
    let members: Node[] = [node];
    for (const v of new Set(node.inputs)) {
      const p = producer.get(v);
      const pg = p && groupOf.get(p);
      if (!pg || pg[pg.length - 1] !== p || !joins(v, node, facts)) continue;
      const merged = [...pg, ...members];
      if (merged.length > MAX_NODES || externalInputs(merged, graph).length > MAX_INPUTS) continue;
      members = merged;
    }
    members.sort((a, b) => order.get(a)! - order.get(b)!);
    for (const m of members) groupOf.set(m, members);
  }
  const fused = new Map<Node, Node>();
  const absorbed = new Set<Node>();
  for (const [node, members] of groupOf) {
    if (members.length < 2 || members[members.length - 1] !== node) continue;
    fused.set(node, fusedNode(members, graph, facts));
    for (const m of members) absorbed.add(m);
  }
  if (fused.size === 0) return graph;
  const nodes = graph.nodes.flatMap((n) => (fused.has(n) ? [fused.get(n)!] : absorbed.has(n) ? [] : [n]));
  return prune({ ...graph, nodes });
};

/** Values a group reads that it does not make, one-element constants excluded (they move inside). */
function externalInputs(members: readonly Node[], graph: Graph): string[] {
  const made = new Set(members.flatMap((m) => m.outputs));
  const out: string[] = [];
  for (const m of members) {
    for (const v of m.inputs) {
      if (v === '' || made.has(v) || out.includes(v) || isInlineConstant(graph.initializers.get(v))) continue;
      out.push(v);
    }
  }
  return out;
}

function isInlineConstant(t: Tensor | undefined): t is Tensor {
  return t !== undefined && sizeOf(t.shape) === 1;
}

/** The group as one node: its body renames every value to `%...` so no name can meet the outer graph's. */
function fusedNode(members: readonly Node[], graph: Graph, facts: Facts): Node {
  const last = members[members.length - 1]!;
  const externals = externalInputs(members, graph);
  const rename = new Map<string, string>();
  const inputs: ValueInfo[] = externals.map((v, i) => {
    rename.set(v, `%in${i}`);
    return { name: `%in${i}`, type: facts.type(v)! };
  });
  const initializers = new Map<string, Tensor>();
  const valueTypes = new Map<string, TensorType>();
  const nodes = members.map((m, k) => {
    const ins = m.inputs.map((v) => {
      if (v === '' || rename.has(v)) return v === '' ? '' : rename.get(v)!;
      const t = graph.initializers.get(v)!;
      const name = `%c${initializers.size}`;
      initializers.set(name, t);
      rename.set(v, name);
      return name;
    });
    const out = `%v${k}`;
    rename.set(m.outputs[0]!, out);
    valueTypes.set(out, facts.type(m.outputs[0]!)!);
    return { ...m, inputs: ins, outputs: [out] };
  });
  const result = rename.get(last.outputs[0]!)!;
  const body: Graph = {
    name: last.name,
    inputs,
    outputs: [{ name: result, type: valueTypes.get(result)! }],
    initializers,
    nodes,
    valueTypes,
  };
  return {
    name: last.name,
    op: 'FusedElementwise',
    domain: FUSED_DOMAIN,
    inputs: externals,
    outputs: [last.outputs[0]!],
    attrs: { body: { kind: 'graph', value: body } },
  };
}

/** Drops the types of values that no longer exist and constants nothing reads any more. */
function prune(graph: Graph): Graph {
  const live = new Set(graph.outputs.map((o) => o.name));
  for (const n of graph.nodes) {
    for (const v of n.inputs) live.add(v);
    for (const v of valuesRead(n)) live.add(v);
    for (const v of n.outputs) live.add(v);
  }
  const initializers = new Map([...graph.initializers].filter(([name]) => live.has(name)));
  const valueTypes = new Map([...graph.valueTypes].filter(([name]) => live.has(name)));
  return { ...graph, initializers, valueTypes };
}
