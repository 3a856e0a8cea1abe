/**
 * `compile --partition` of a TensorFlow.js graph model (or a frozen GraphDef): a TF.js graph model, in which the part
 * neuron-cc compiles is one `NeuronOp` node (its NEFF stored as a weight, packed in int32) and the
 * rest (ops with data-dependent outputs such as NonMaxSuppression and Where, ops neuron-cc does not
 * map, and everything after them) stays as TensorFlow.js nodes. `registerNeuronOps(tf)` from
 * `neuron-cc/tfjs` makes TensorFlow.js run the NeuronOp on the NEFF runtime. The compiled part's
 * outputs keep their node names (an Identity or IdentityN per node), so the TF.js nodes that read
 * them and the caller's output names are unchanged.
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../io/write-atomic.js';
import { join } from 'node:path';
import type { Tensor } from '../ir/tensor.js';
import { NccError } from '../errors.js';
import { convertTfGraph, parseTensorName } from '../frontends/tensorflow/convert-graph.js';
import { TF_OPS } from '../frontends/tensorflow/ops/index.js';
import { readTfjsGraph, tfNode, type ModelJson } from '../frontends/tensorflow/tfjs.js';
import { readGraphDef } from '../frontends/tensorflow/import.js';
import { isSavedModelDir, readSignatureGraph } from '../frontends/tensorflow/saved-model.js';
import { nodeToJson, tensorToJson, type JsonNode } from '../frontends/tensorflow/tfjs-json.js';
import { tensorFromTfProto } from '../frontends/tensorflow/tensor-proto.js';
import type { NodeDef } from '../frontends/tensorflow/tf-proto.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { requireStaticShapes } from '../passes/require-static.js';
import { compileStaticModel, type CompileOptions } from './compile.js';

/** Ops whose output sizes depend on the data: TF.js runs them. */
const HOST_OPS = new Set(['NonMaxSuppressionV3', 'NonMaxSuppressionV4', 'NonMaxSuppressionV5', 'Where']);
const SOURCES = new Set(['Placeholder', 'Const']);

export interface TfjsPartitionSummary {
  readonly compiledNodes: number;
  readonly hostNodes: readonly { readonly node: string; readonly op: string }[];
  readonly neffBytes: number;
}

/** Writes the partitioned TF.js graph model (model.json and one weights shard) into `outDir`. */
export function partitionTfjsModel(
  path: string,
  outDir: string,
  options: CompileOptions,
): TfjsPartitionSummary {
  const source = readSource(path, options);
  const { json, weights } = source;
  // only what the outputs need: a SavedModel also holds its save and restore graph
  const nodes = needed(source.nodes, outputsOf(json, source.nodes));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const inputsOf = (n: (typeof nodes)[number]): string[] =>
    n.input.filter((i) => !i.startsWith('^')).map((i) => parseTensorName(i).node);
  // host: data-dependent or unmapped ops and every node after one
  const host = new Set<string>();
  for (const n of nodes) {
    const unmapped = !SOURCES.has(n.op) && (!TF_OPS.has(n.op) || HOST_OPS.has(n.op));
    if (unmapped || inputsOf(n).some((i) => host.has(i))) host.add(n.name);
  }
  const compiled = nodes.filter((n) => !host.has(n.name) && !SOURCES.has(n.op));
  if (compiled.length === 0)
    throw new NccError('NCC_UNSUPPORTED_OP', 'nothing in this TF.js model can be compiled', { file: path });
  // the compiled part's tensors that TF.js nodes or the caller read
  const signature = Object.values(json.signature?.outputs ?? {}).map(
    (v) => (v as { name?: string }).name ?? '',
  );
  const wanted = new Map<string, number>();
  const want = (tensor: string): void => {
    const { node, index } = parseTensorName(tensor);
    if (byName.has(node) && !host.has(node) && !SOURCES.has(byName.get(node)!.op))
      wanted.set(node, Math.max(wanted.get(node) ?? 0, index));
  };
  for (const n of nodes)
    if (host.has(n.name)) for (const i of n.input.filter((x) => !x.startsWith('^'))) want(i);
  for (const o of signature.length ? signature : sinks(nodes)) want(o.replace(/:0$/, ''));
  // every output up to the highest one read, so an IdentityN keeps their positions
  const tensors = [...wanted].flatMap(([node, max]) =>
    Array.from({ length: max + 1 }, (_, k) => (k === 0 ? node : `${node}:${k}`)),
  );
  const pinned = new Map<string, readonly number[]>();
  for (const [n, pin] of options.ioConfig?.inputs ?? []) pinned.set(n.replace(/:0$/, ''), pin.shape);
  const region = nodes.filter((n) => !host.has(n.name));
  const graph = inferShapes(
    convertTfGraph(region.map(tfNode), { file: path, outputs: tensors, pinned, variables: weights }),
    { fold: true },
  );
  requireStaticShapes(graph);
  const model = {
    name: 'neuron_segment_0',
    graph,
    opsets: new Map([['', 21]]),
    producer: 'TF.js partition',
    source: { format: 'tensorflow' as const, path },
  };
  const { neff } = compileStaticModel(model, options);
  writeModel(
    outDir,
    json,
    nodes,
    host,
    weights,
    neff,
    graph.inputs.map((v) => v.name),
    tensors,
  );
  return {
    compiledNodes: compiled.length,
    hostNodes: nodes.filter((n) => host.has(n.name)).map((n) => ({ node: n.name, op: n.op })),
    neffBytes: neff.byteLength,
  };
}

/** A TF.js graph model as it is, or a frozen GraphDef in TF.js's JSON form (constants as weights). */
function readSource(
  path: string,
  options: CompileOptions,
): {
  json: ModelJson;
  nodes: readonly NodeDef[];
  weights: ReadonlyMap<string, Tensor>;
} {
  if (isSavedModelDir(path)) {
    const sig = readSignatureGraph(path, {
      ...(options.signature ? { signature: options.signature } : {}),
      ...(options.tags ? { tags: options.tags } : {}),
    });
    const { raw, weights } = jsonNodes(sig.nodes);
    for (const [k, v] of sig.variables) weights.set(k, v);
    const signature = {
      outputs: Object.fromEntries(sig.outputKeys.map((k, i) => [k, { name: sig.outputs[i]! }])),
    };
    return {
      json: {
        format: 'graph-model',
        modelTopology: { node: raw, versions: { producer: 1 } },
        signature,
      } as ModelJson,
      nodes: sig.nodes,
      weights,
    };
  }
  if (/\.(pb|pbtxt)$/i.test(path)) {
    const graph = readGraphDef(path);
    const { raw, weights } = jsonNodes(graph.node);
    return {
      json: {
        format: 'graph-model',
        modelTopology: { node: raw, versions: { producer: graph.versions?.producer ?? 1 } },
      } as ModelJson,
      nodes: graph.node,
      weights,
    };
  }
  const graph = readTfjsGraph(path);
  if (graph.json.modelTopology?.library?.function?.length)
    throw new NccError(
      'NCC_UNSUPPORTED_OP',
      'partitioning a TF.js model with a function library is not supported',
      {
        file: path,
        hint: 'partition to ONNX instead (compile --partition --output model.neuron.onnx)',
      },
    );
  return graph;
}

/** NodeDefs in TF.js's JSON form, constants' values moved to weights. */
function jsonNodes(nodes: readonly NodeDef[]): { raw: JsonNode[]; weights: Map<string, Tensor> } {
  const weights = new Map<string, Tensor>();
  const raw = nodes.map((n) => {
    const json = nodeToJson(n);
    const value = n.attr?.value?.tensor;
    if (n.op === 'Const' && value) {
      try {
        weights.set(n.name, tensorFromTfProto(value));
        json.attr = { ...json.attr, value: { tensor: tensorToJson(value, false) } };
      } catch {
        // a string constant (a save path): never compiled, kept inline should anything read it
      }
    }
    return json;
  });
  return { raw, weights };
}

function outputsOf(json: ModelJson, nodes: readonly NodeDef[]): string[] {
  const named = Object.values(json.signature?.outputs ?? {}).map((v) => (v as { name?: string }).name ?? '');
  return named.length ? named : sinks(nodes);
}

function needed(nodes: readonly NodeDef[], outputs: readonly string[]): NodeDef[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set<string>();
  const stack = outputs.map((o) => parseTensorName(o.replace(/^\^/, '')).node);
  while (stack.length) {
    const name = stack.pop()!;
    if (keep.has(name) || !byName.has(name)) continue;
    keep.add(name);
    for (const i of byName.get(name)!.input) stack.push(parseTensorName(i.replace(/^\^/, '')).node);
  }
  return nodes.filter((n) => keep.has(n.name));
}

function sinks(nodes: readonly { name: string; input: string[] }[]): string[] {
  const read = new Set(nodes.flatMap((n) => n.input.map((i) => parseTensorName(i.replace(/^\^/, '')).node)));
  return nodes.filter((n) => !read.has(n.name)).map((n) => n.name);
}

function writeModel(
  outDir: string,
  json: ModelJson,
  nodes: readonly { name: string; op: string; input: string[] }[],
  host: ReadonlySet<string>,
  weights: ReadonlyMap<string, Tensor>,
  neff: Uint8Array,
  neffInputs: readonly string[],
  tensors: readonly string[],
): void {
  const raw = json.modelTopology!.node as JsonNode[];
  // TF.js nodes, their constants and the inputs stay; the compiled nodes are gone
  const readByHost = new Set(
    nodes
      .filter((n) => host.has(n.name))
      .flatMap((n) => n.input.map((i) => parseTensorName(i.replace(/^\^/, '')).node)),
  );
  const names = new Set(nodes.map((n) => n.name));
  const keep = raw.filter(
    (n) =>
      names.has(n.name) &&
      (host.has(n.name) || n.op === 'Placeholder' || (n.op === 'Const' && readByHost.has(n.name))),
  );
  const neffName = 'neuron_segment_0/neff';
  const words = new Int32Array(Math.ceil(neff.byteLength / 4) + 1);
  words[0] = neff.byteLength;
  new Uint8Array(words.buffer, 4).set(neff);
  const segment: JsonNode = {
    name: 'neuron_segment_0',
    op: 'NeuronOp',
    input: [neffName, ...neffInputs],
    attr: {},
  };
  const byNode = new Map<string, number[]>();
  tensors.forEach((t, j) => {
    const { node } = parseTensorName(t);
    byNode.set(node, [...(byNode.get(node) ?? []), j]);
  });
  const outputs: JsonNode[] = [...byNode].map(([node, js]) => ({
    name: node,
    op: js.length === 1 ? 'Identity' : 'IdentityN',
    input: js.map((j) => (j === 0 ? 'neuron_segment_0' : `neuron_segment_0:${j}`)),
    attr: {},
  }));
  const constNode = (name: string, t: Tensor): JsonNode => ({
    name,
    op: 'Const',
    attr: {
      dtype: { type: t.dtype === 'int32' ? 'DT_INT32' : t.dtype === 'bool' ? 'DT_BOOL' : 'DT_FLOAT' },
      value: { tensor: {} },
    },
  });
  const kept = keep.filter((n) => n.op === 'Const');
  const manifest: { name: string; shape: number[]; dtype: string }[] = [];
  const chunks: Uint8Array[] = [];
  const addWeight = (name: string, t: Tensor): void => {
    const dtype = t.dtype === 'int32' || t.dtype === 'bool' ? t.dtype : 'float32';
    const data =
      dtype === 'float32' && t.dtype !== 'float32' ? Float32Array.from(t.data as ArrayLike<number>) : t.data;
    manifest.push({ name, shape: [...t.shape], dtype });
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  };
  for (const n of kept) addWeight(n.name, weights.get(n.name)!);
  addWeight(neffName, { dtype: 'int32', shape: [words.length], data: words });
  const topology = {
    ...json.modelTopology,
    node: [
      ...keep,
      constNode(neffName, { dtype: 'int32', shape: [], data: new Int32Array() }),
      segment,
      ...outputs,
    ],
  };
  const out = {
    ...json,
    modelTopology: topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: manifest }],
  };
  mkdirSync(outDir, { recursive: true });
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const shard = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    shard.set(c, at);
    at += c.length;
  }
  writeFileAtomic(join(outDir, 'weights.bin'), shard);
  writeFileAtomic(join(outDir, 'model.json'), JSON.stringify(out));
}
