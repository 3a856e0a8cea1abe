/**
 * The runner of partitioned models (`neuron-cc/runtime/partitioned`): a `.neuron.onnx` whose
 * ai.neuron::NeuronOp nodes run their NEFFs on the NEFF runtime and whose other nodes (control
 * flow, NMS, ops on data-dependent shapes) run on the ops' reference implementations. Unlike the
 * core runtime it reads ONNX (with protobufjs); values outside compiled segments may change shape
 * from run to run, so outputs come with their shapes.
 */
import type { Graph, Node } from '../ir/graph.js';
import type { DType } from '../ir/dtype.js';
import type { Tensor } from '../ir/tensor.js';
import { NccError } from '../errors.js';
import { importOnnxBytes } from '../frontends/onnx/import.js';
import { runReference, walkGraph, type NodeCall } from '../interpreter/run-graph.js';
import { load, type LoadOptions, type Model } from '../runtime/index.js';
import type { TypedArray } from '../runtime/feeds.js';
import '../ops/all.js';

export interface PartitionedTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/** An input as typed data (shape as the model declares it) or with its shape (where it may vary). */
export type PartitionedFeed = TypedArray | { readonly data: TypedArray; readonly shape: readonly number[] };

export interface PartitionedModel {
  readonly inputs: readonly {
    readonly name: string;
    readonly dtype: DType;
    readonly shape: readonly (number | string)[];
  }[];
  readonly outputs: readonly { readonly name: string; readonly dtype: DType }[];
  /** How many compiled segments it holds. */
  readonly segments: number;
  run(feeds: Readonly<Record<string, PartitionedFeed>>): Promise<Record<string, PartitionedTensor>>;
  dispose(): void;
}

export async function loadPartitioned(
  bytes: Uint8Array,
  options: LoadOptions = {},
): Promise<PartitionedModel> {
  const model = importOnnxBytes(bytes, { path: 'model.neuron.onnx', baseDir: '.' });
  const graph = model.graph;
  const compiled = new Map<Node, Model>();
  try {
    for (const node of neuronNodes(graph)) {
      const neff = node.attrs.neff;
      if (neff?.kind !== 'tensor' || neff.value.dtype !== 'uint8')
        throw new NccError('NCC_BAD_MODEL', `NeuronOp '${node.name}' has no neff bytes`, { node: node.name });
      compiled.set(node, await load(neff.value.data as Uint8Array, options));
    }
  } catch (e) {
    for (const m of compiled.values()) m.dispose();
    throw e;
  }
  let queue: Promise<unknown> = Promise.resolve();
  return {
    inputs: graph.inputs.map((v) => ({ name: v.name, dtype: v.type.dtype, shape: v.type.shape ?? [] })),
    outputs: graph.outputs.map((v) => ({ name: v.name, dtype: v.type.dtype })),
    segments: compiled.size,
    run(feeds) {
      // one run at a time: segment models hold their own state
      const result = queue.then(() => runOnce(graph, feeds, compiled));
      queue = result.catch(() => undefined);
      return result;
    },
    dispose() {
      for (const m of compiled.values()) m.dispose();
    },
  };
}

function neuronNodes(g: Graph): Node[] {
  const out: Node[] = [];
  for (const n of g.nodes) {
    if (n.domain === 'ai.neuron' && n.op === 'NeuronOp') out.push(n);
    for (const a of Object.values(n.attrs)) {
      if (a.kind === 'graph') out.push(...neuronNodes(a.value));
      if (a.kind === 'graphs') for (const s of a.value) out.push(...neuronNodes(s));
    }
  }
  return out;
}

async function runOnce(
  graph: Graph,
  feeds: Readonly<Record<string, PartitionedFeed>>,
  compiled: ReadonlyMap<Node, Model>,
): Promise<Record<string, PartitionedTensor>> {
  const inputs = new Map<string, Tensor>();
  for (const v of graph.inputs) {
    const f = feeds[v.name];
    if (f === undefined)
      throw new NccError('NCC_BAD_INPUT', `no value given for input '${v.name}'`, { value: v.name });
    const data = 'shape' in f && !ArrayBuffer.isView(f) ? f.data : (f as TypedArray);
    const shape = 'shape' in f && !ArrayBuffer.isView(f) ? f.shape : staticShape(v.name, v.type.shape);
    inputs.set(v.name, { dtype: v.type.dtype, shape: [...shape], data: data as Tensor['data'] });
  }
  const walk = walkGraph(graph, inputs);
  for (let step = walk.next(); ;) {
    if (step.done) {
      return Object.fromEntries(
        [...step.value].map(([name, t]) => [
          name,
          { dtype: t.dtype, shape: t.shape, data: t.data as TypedArray },
        ]),
      );
    }
    const model = compiled.get(step.value.node);
    step = walk.next(model ? await runSegment(model, step.value) : runReference(step.value));
  }
}

async function runSegment(model: Model, { node, args }: NodeCall): Promise<Tensor[]> {
  const feeds = Object.fromEntries(node.inputs.map((name, i) => [name, args[i]!.data as TypedArray]));
  const out = await model.run(feeds);
  return model.outputs.map((o) => ({
    dtype: o.dtype,
    shape: [...o.shape],
    data: out[o.name] as Tensor['data'],
  }));
}

function staticShape(name: string, shape: readonly (number | string)[] | undefined): number[] {
  if (!shape || shape.some((d) => typeof d !== 'number'))
    throw new NccError('NCC_BAD_INPUT', `input '${name}' has no fixed shape: give it as { data, shape }`, {
      value: name,
    });
  return shape as number[];
}
