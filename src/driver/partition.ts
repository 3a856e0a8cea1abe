/**
 * `compile --partition`: a model with parts that cannot be compiled (control flow, NMS, dynamic
 * shapes, excluded ops) becomes one ONNX model whose compiled segments are ai.neuron::NeuronOp nodes
 * carrying their NEFFs, the other nodes left as they are for the fallback interpreter. Any frontend's
 * model partitions to this form (the IR spells ops as ONNX's newest opset).
 */
import type { Graph, Model, Node } from '../ir/graph.js';
import { tensor } from '../ir/tensor.js';
import { NccError, isNccError } from '../errors.js';
import { lowerGraph } from '../backend/schedule/lower-graph.js';
import { exportOnnx } from '../frontends/onnx/export.js';
import { nodeFlops } from '../ops/flops.js';
import { qualifiedOp } from '../ops/node-context.js';
import { typeText } from '../ops/partition/neuron-op.js';
import {
  partitionGraph,
  scopeOf,
  type PartitionOptions,
  type Segment,
  type ValueScope,
} from '../passes/partition.js';
import type { TensorType } from '../ir/shape.js';
import { compileStaticModel, sourceOptions, type CompileOptions } from './compile.js';
import { loadModel } from './load-model.js';

export interface PartitionCompileOptions extends CompileOptions {
  readonly minSegmentSize?: number;
  readonly excludeNodes?: readonly string[];
  readonly excludeOps?: readonly string[];
}

export interface PartitionSummary {
  readonly model: string;
  readonly ops: number;
  readonly compiledOps: number;
  readonly flops: number;
  readonly compiledFlops: number;
  readonly segments: readonly {
    readonly ops: number;
    readonly inputs: number;
    readonly outputs: number;
    readonly neffBytes: number;
  }[];
  /** What stayed on the host, and why. */
  readonly host: readonly { readonly node: string; readonly op: string; readonly why: string }[];
  readonly bytes: number;
}

export interface PartitionResult {
  /** The .neuron.onnx model. */
  readonly onnx: Uint8Array;
  /** Its graph: host nodes and NeuronOp nodes. */
  readonly graph: Graph;
  readonly summary: PartitionSummary;
}

export function compilePartitioned(path: string, options: PartitionCompileOptions = {}): PartitionResult {
  const model = loadModel(path, sourceOptions(options));
  return partitionModel(model, options);
}

/** A loaded model (shapes inferred, dynamic ones allowed) partitioned and compiled. */
export function partitionModel(model: Model, options: PartitionCompileOptions = {}): PartitionResult {
  const minSegmentSize = options.minSegmentSize ?? 1;
  if (!Number.isInteger(minSegmentSize) || minSegmentSize < 1)
    throw new NccError('NCC_BAD_OPTION', `--min-segment-size ${minSegmentSize} is not a positive integer`);
  const graph = model.graph;
  const unknownNodes = (options.excludeNodes ?? []).filter((n) => !graph.nodes.some((x) => x.name === n));
  if (unknownNodes.length)
    throw new NccError(
      'NCC_BAD_OPTION',
      `--exclude-nodes names nodes the model does not have: ${unknownNodes.join(', ')}`,
      {
        hint: '`neuron-cc check MODEL --dump-ir` lists the node names',
      },
    );
  const settings = {
    minSegmentSize,
    excludeNodes: new Set(options.excludeNodes ?? []),
    excludeOps: new Set(options.excludeOps ?? []),
  };
  const acc: Accumulated = { segments: [], host: [], ops: 0, flops: 0 };
  const host = partitionLevel(model, graph, undefined, settings, options, acc);
  const onnx = exportOnnx(host, { producer: `neuron-cc (partitioned from ${model.source.format})` });
  return {
    onnx,
    graph: host,
    summary: {
      model: model.name,
      ops: acc.ops,
      compiledOps: acc.segments.reduce((a, s) => a + s.ops, 0),
      flops: acc.flops,
      compiledFlops: acc.segments.reduce((a, s) => a + s.flops, 0),
      segments: acc.segments.map(({ flops: _f, ...s }) => s),
      host: acc.host,
      bytes: onnx.byteLength,
    },
  };
}

interface Accumulated {
  segments: { ops: number; inputs: number; outputs: number; neffBytes: number; flops: number }[];
  host: { node: string; op: string; why: string }[];
  ops: number;
  flops: number;
}

/**
 * One graph level: its segments compiled and replaced by NeuronOp nodes, and the subgraphs of its
 * host nodes (If branches, Loop bodies) partitioned the same way, with this level's values in scope.
 */
function partitionLevel(
  model: Model,
  graph: Graph,
  outer: ValueScope | undefined,
  settings: PartitionOptions,
  options: CompileOptions,
  acc: Accumulated,
): Graph {
  const scope = scopeOf(graph, outer);
  const partition = partitionGraph(graph, settings, trialLowering, scope);
  const flopsOf = (n: Node): number => nodeFlops(graph, n);
  acc.ops += graph.nodes.filter((n) => !hasSubgraphs(n)).length;
  acc.flops += graph.nodes.reduce((a, n) => a + flopsOf(n), 0);
  const neffs = partition.segments.map((segment) => {
    const k = acc.segments.length;
    const neff = compileSegment(model, segment, k, options, scope);
    acc.segments.push({
      ops: segment.nodes.length,
      inputs: segment.inputs.length,
      outputs: segment.outputs.length,
      neffBytes: neff.byteLength,
      flops: segment.nodes.reduce((a, n) => a + flopsOf(n), 0),
    });
    return { neff, k };
  });
  for (const { node, why } of partition.host)
    if (!hasSubgraphs(node)) acc.host.push({ node: node.name, op: qualifiedOp(node), why });
  // control flow stays on the host, its subgraphs partitioned in turn
  const host = partition.host.map(({ node, why }) => {
    if (!hasSubgraphs(node)) return node;
    acc.host.push({ node: node.name, op: qualifiedOp(node), why });
    const attrs = { ...node.attrs };
    for (const [name, a] of Object.entries(node.attrs)) {
      if (a.kind === 'graph')
        attrs[name] = { kind: 'graph', value: partitionLevel(model, a.value, scope, settings, options, acc) };
      if (a.kind === 'graphs')
        attrs[name] = {
          kind: 'graphs',
          value: a.value.map((g) => partitionLevel(model, g, scope, settings, options, acc)),
        };
    }
    return { ...node, attrs };
  });
  return hostGraph(graph, host, partition.segments, neffs, scope);
}

function hasSubgraphs(n: Node): boolean {
  return Object.values(n.attrs).some((a) => a.kind === 'graph' || a.kind === 'graphs');
}

/** Whether the backend lowers this node, tried on a graph of the node alone. */
function trialLowering(node: Node, scope: ValueScope): string | undefined {
  const type = (v: string): TensorType => scope.type(v)!;
  const constants = node.inputs.filter((v) => v !== '' && scope.constant(v));
  const inputs = [...new Set(node.inputs.filter((v) => v !== '' && !scope.constant(v)))];
  const outputs = node.outputs.filter((v) => v !== '');
  const single: Graph = {
    name: node.name,
    inputs: inputs.map((name) => ({ name, type: type(name) })),
    outputs: outputs.map((name) => ({ name, type: type(name) })),
    initializers: new Map(constants.map((v) => [v, scope.constant(v)!])),
    nodes: [node],
    valueTypes: new Map(outputs.map((v) => [v, type(v)])),
  };
  try {
    lowerGraph(single, node.name);
    return undefined;
  } catch (e) {
    if (isNccError(e)) return `no compiled kernel: ${e.message}`;
    throw e;
  }
}

function compileSegment(
  model: Model,
  s: Segment,
  k: number,
  options: CompileOptions,
  scope: ValueScope,
): Uint8Array {
  const typeOf = (v: string): TensorType => {
    const t = scope.type(v);
    if (!t) throw new Error(`segment ${k}: the type of '${v}' is not known`);
    return t;
  };
  const produced = s.nodes.flatMap((n) => n.outputs.filter((v) => v !== ''));
  const graph: Graph = {
    name: `${model.name}.segment${k}`,
    inputs: s.inputs.map((name) => ({ name, type: typeOf(name) })),
    outputs: s.outputs.map((name) => ({ name, type: typeOf(name) })),
    initializers: new Map(s.initializers.map((v) => [v, scope.constant(v)!])),
    nodes: s.nodes,
    valueTypes: new Map(produced.map((v) => [v, typeOf(v)])),
  };
  return compileStaticModel({ ...model, name: graph.name, graph }, options).neff;
}

/** The graph with each segment replaced by one NeuronOp node, in an order that respects every edge. */
function hostGraph(
  g: Graph,
  hostNodes: readonly Node[],
  segments: readonly Segment[],
  neffs: readonly { neff: Uint8Array; k: number }[],
  scope: ValueScope,
): Graph {
  const segmentNodes = segments.map((s, i): Node => ({
    name: `neuron_segment_${neffs[i]!.k}`,
    op: 'NeuronOp',
    domain: 'ai.neuron',
    inputs: s.inputs,
    outputs: s.outputs,
    attrs: {
      neff: { kind: 'tensor', value: tensor('uint8', [neffs[i]!.neff.byteLength], neffs[i]!.neff) },
      output_types: {
        kind: 'strings',
        value: s.outputs.map((v) => typeText(scope.type(v) as { dtype: string; shape: number[] })),
      },
    },
  }));
  // host nodes keep their places; each segment goes where topological order puts it
  const order = new Map(g.nodes.map((n, i) => [n.name, i]));
  const hostSorted = [...hostNodes].sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const nodes = topological([...hostSorted, ...segmentNodes]);
  const used = new Set(nodes.flatMap((n) => [...n.inputs, ...subgraphReads(n)]));
  return {
    ...g,
    nodes,
    initializers: new Map(
      [...g.initializers].filter(([v]) => used.has(v) || g.outputs.some((o) => o.name === v)),
    ),
    valueTypes: new Map([...g.valueTypes].filter(([v]) => nodes.some((n) => n.outputs.includes(v)))),
  };
}

function subgraphReads(n: Node): string[] {
  const out: string[] = [];
  for (const a of Object.values(n.attrs)) {
    const graphs = a.kind === 'graph' ? [a.value] : a.kind === 'graphs' ? a.value : [];
    for (const g of graphs) for (const inner of g.nodes) out.push(...inner.inputs, ...subgraphReads(inner));
  }
  return out;
}

/** Kahn's order over the values nodes read (subgraph reads included), stable in the given order. */
function topological(nodes: readonly Node[]): Node[] {
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) if (o !== '') producer.set(o, n);
  const done = new Set<Node>();
  const out: Node[] = [];
  const visit = (n: Node, path: Set<Node>): void => {
    if (done.has(n)) return;
    if (path.has(n)) throw new Error(`partitioning made a cycle through '${n.name}'`);
    path.add(n);
    for (const v of [...n.inputs, ...subgraphReads(n)]) {
      const p = producer.get(v);
      if (p && p !== n) visit(p, path);
    }
    path.delete(n);
    done.add(n);
    out.push(n);
  };
  for (const n of nodes) visit(n, new Set());
  return out;
}
