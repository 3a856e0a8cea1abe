/**
 * A SavedModel directory (`saved_model.pb` + `variables/`) -> the IR of one signature. The meta
 * graph is chosen by tags (default `serve`), the signature by name (default `serving_default`);
 * its function calls are inlined (TF2), and each variable becomes a constant from the checkpoint:
 * TF1 VariableV2 by node name, TF2 VarHandleOp through the checkpoint's object graph (a variable's
 * name -> its checkpoint key). Inputs and outputs take the signature's keys as names.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Model } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { NccError, isNccError } from '../../errors.js';
import type { IoConfig } from '../../options/io-config.js';
import { readBundle, stringElements, type Bundle } from './bundle.js';
import { convertTfGraph } from './convert-graph.js';
import { inlineFunctions } from './functions.js';
import type { TfNode } from './node-converter.js';
import { parseTextMessage } from './text-format.js';
import {
  decodeSavedModel,
  decodeTrackableObjectGraph,
  tfType,
  type FunctionDef,
  type MetaGraphDef,
  type NodeDef,
  type SavedModel,
  type TensorInfo,
} from './tf-proto.js';

export interface SavedModelOptions {
  readonly ioConfig?: IoConfig;
  readonly signature?: string;
  readonly tags?: readonly string[];
}

export const DEFAULT_SIGNATURE = 'serving_default';
export const DEFAULT_TAGS: readonly string[] = ['serve'];

export function isSavedModelDir(path: string): boolean {
  try {
    return (
      statSync(path).isDirectory() &&
      (existsSync(join(path, 'saved_model.pb')) || existsSync(join(path, 'saved_model.pbtxt')))
    );
  } catch {
    return false;
  }
}

/** One signature's graph: its nodes (functions inlined, inputs fed), variable values, outputs. */
export interface SignatureGraph {
  readonly nodes: readonly NodeDef[];
  readonly variables: ReadonlyMap<string, Tensor>;
  /** The tensors the signature returns, and their keys (the outputs' names). */
  readonly outputs: readonly string[];
  readonly outputKeys: readonly string[];
}

export function readSignatureGraph(dir: string, options: SavedModelOptions = {}): SignatureGraph {
  const { meta, signature } = pickSignature(dir, options);
  try {
    return signatureGraph(dir, meta, signature);
  } catch (e) {
    if (isNccError(e)) throw e;
    throw bad(dir, (e as Error).message);
  }
}

function signatureGraph(
  dir: string,
  meta: MetaGraphDef,
  signature: MetaGraphDef['signature_def'][string],
): SignatureGraph {
  const graph = meta.graph_def;
  if (!graph) throw new Error('the meta graph has no graph');
  const library = new Map<string, FunctionDef>(
    (graph.library?.function ?? []).map((f) => [f.signature?.name ?? '', f]),
  );
  const fed = feedInputs(inlineFunctions(graph.node, library), signature.inputs);
  const outputKeys = Object.keys(signature.outputs).sort();
  const outputs = outputKeys.map((k) => fed.rename(signature.outputs[k]!.name));
  return { nodes: fed.nodes, variables: variableValues(dir, fed.nodes), outputs, outputKeys };
}

function pickSignature(dir: string, options: SavedModelOptions) {
  const saved = readSavedModel(dir);
  const tags = options.tags ?? DEFAULT_TAGS;
  const meta = saved.meta_graphs.find((m) => tags.every((t) => m.meta_info_def?.tags.includes(t)));
  if (!meta)
    throw new NccError('NCC_BAD_OPTION', `the SavedModel has no meta graph tagged ${tags.join(',')}`, {
      file: dir,
      hint: `its tag sets: ${saved.meta_graphs.map((m) => (m.meta_info_def?.tags ?? []).join(',') || '(none)').join('; ')}; pass --tags`,
    });
  const name = options.signature ?? DEFAULT_SIGNATURE;
  const signature = meta.signature_def[name];
  const usable = Object.keys(meta.signature_def).filter((k) => !k.startsWith('__'));
  if (!signature)
    throw new NccError('NCC_BAD_OPTION', `the SavedModel has no signature '${name}'`, {
      file: dir,
      hint: `its signatures: ${usable.join(', ') || '(none)'}; pass --signature`,
    });
  return { meta, signature, name };
}

export function importSavedModel(dir: string, options: SavedModelOptions = {}): Model {
  const { meta, signature, name } = pickSignature(dir, options);
  try {
    return convertSignature(dir, meta, signature, name, options.ioConfig);
  } catch (e) {
    if (isNccError(e)) throw e;
    throw bad(dir, (e as Error).message);
  }
}

function readSavedModel(dir: string): SavedModel {
  const binary = join(dir, 'saved_model.pb');
  try {
    if (existsSync(binary)) return decodeSavedModel(readFileSync(binary));
    const text = readFileSync(join(dir, 'saved_model.pbtxt'), 'utf8');
    return parseTextMessage<SavedModel>(text, tfType('SavedModel'));
  } catch (e) {
    throw bad(dir, `saved_model.pb is not a valid SavedModel protobuf (${(e as Error).message})`);
  }
}

function convertSignature(
  dir: string,
  meta: MetaGraphDef,
  signature: MetaGraphDef['signature_def'][string],
  signatureName: string,
  io: IoConfig | undefined,
): Model {
  const { nodes, variables, outputs, outputKeys } = signatureGraph(dir, meta, signature);
  const pinned = new Map<string, readonly number[]>();
  for (const [n, pin] of io?.inputs ?? []) pinned.set(n.replace(/:0$/, ''), pin.shape);
  const converted = convertTfGraph(nodes.map(tfNode), {
    file: dir,
    outputs,
    outputNames: outputKeys,
    pinned,
    variables,
  });
  return {
    name: basename(dir.replace(/\/+$/, '')) || 'saved_model',
    graph: converted,
    opsets: new Map([['', 21]]),
    producer: `TensorFlow SavedModel (${meta.meta_info_def?.tensorflow_version || 'TF1'}), signature ${signatureName}`,
    source: { format: 'tensorflow', path: dir },
  };
}

/**
 * Signature inputs become Placeholders named by their keys: a signature may feed any tensor (TF1's
 * half_plus_two feeds `x:0`, the Identity after a ParseExample), and whatever computed that tensor
 * is cut off. Every read of a fed tensor is redirected to its Placeholder.
 */
function feedInputs(
  nodes: readonly NodeDef[],
  inputs: Readonly<Record<string, TensorInfo>>,
): { nodes: NodeDef[]; rename: (tensor: string) => string } {
  const canonical = (ref: string): string => (ref.includes(':') ? ref : `${ref}:0`);
  const feeds = new Map<string, string>();
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const placeholders: NodeDef[] = [];
  for (const [key, info] of Object.entries(inputs)) {
    const tensor = canonical(info.name);
    const node = tensor.slice(0, tensor.lastIndexOf(':'));
    // the key names the input unless another node has that name (then the fed node's name does)
    const name = !byName.has(key) || key === node ? key : node;
    feeds.set(tensor, name);
    const attr: NodeDef['attr'] = { dtype: { value: 'type', type: info.dtype } };
    if (info.tensor_shape) attr.shape = { value: 'shape', shape: info.tensor_shape };
    placeholders.push({ name, op: 'Placeholder', input: [], device: '', attr });
  }
  const names = new Set(feeds.values());
  const rename = (ref: string): string => {
    if (ref.startsWith('^')) return ref;
    return feeds.get(canonical(ref)) ?? ref;
  };
  const kept = nodes.filter((n) => !names.has(n.name)).map((n) => ({ ...n, input: n.input.map(rename) }));
  return { nodes: [...placeholders, ...kept], rename };
}

/** The checkpoint value of every variable node, by node name. */
function variableValues(dir: string, nodes: readonly NodeDef[]): Map<string, Tensor> {
  const variableNodes = nodes.filter((n) => ['VarHandleOp', 'VariableV2', 'Variable'].includes(n.op));
  const values = new Map<string, Tensor>();
  if (variableNodes.length === 0) return values;
  const prefix = join(dir, 'variables', 'variables');
  if (!existsSync(`${prefix}.index`))
    throw new NccError('NCC_BAD_MODEL', 'the SavedModel has variables but no variables/variables.index', {
      file: dir,
      hint: 'copy the whole SavedModel directory, variables/ included',
    });
  let bundle: Bundle;
  try {
    bundle = readBundle(prefix);
  } catch (e) {
    throw bad(dir, `its checkpoint cannot be read: ${(e as Error).message}`);
  }
  const restored = restoredKeys(nodes);
  const keys = objectGraphKeys(bundle);
  for (const n of variableNodes) {
    const shared = n.attr.shared_name?.s ? new TextDecoder().decode(n.attr.shared_name.s) : '';
    const candidates = [restored.get(n.name), keys.get(shared), keys.get(n.name), shared, n.name].filter(
      (k): k is string => !!k,
    );
    const key = candidates.find((k) => bundle.names.includes(k));
    if (key === undefined) continue; // only an error if an output needs it (the mapping says so)
    try {
      values.set(n.name, bundle.tensor(key)!);
    } catch (e) {
      throw bad(dir, `variable '${n.name}': ${(e as Error).message}`);
    }
  }
  return values;
}

/**
 * Variable node -> checkpoint key, as the SavedModel's own restore code assigns them: each
 * AssignVariableOp (or Assign) whose value comes from RestoreV2 output k gets `tensor_names[k]`.
 * Exact where names are not (two TF2 variables may both be called "Variable").
 */
function restoredKeys(nodes: readonly NodeDef[]): Map<string, string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const source = (ref: string): { node: NodeDef; index: number } | undefined => {
    for (let hops = 0; hops < 64; hops++) {
      const [name, index] = parseRef(ref);
      const node = byName.get(name);
      if (!node) return undefined;
      if (node.op !== 'Identity' && node.op !== 'IdentityN') return { node, index };
      const next = node.op === 'Identity' ? node.input[0] : node.input[index];
      if (next === undefined) return undefined;
      ref = next;
    }
    return undefined;
  };
  const keys = new Map<string, string>();
  for (const n of nodes) {
    if (n.op !== 'AssignVariableOp' && n.op !== 'Assign') continue;
    const [target, value] = [source(n.input[0] ?? ''), source(n.input[1] ?? '')];
    if (!target || !value || value.node.op !== 'RestoreV2') continue;
    const names = source(value.node.input[1] ?? '')?.node;
    const list = names?.op === 'Const' ? names.attr.value?.tensor?.string_val : undefined;
    const key = list?.[value.index];
    if (key) keys.set(target.node.name, new TextDecoder().decode(key));
  }
  return keys;
}

function parseRef(ref: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? [m[1]!, Number(m[2])] : [ref, 0];
}

/** TF2 checkpoints: variable name -> checkpoint key, from the `_CHECKPOINTABLE_OBJECT_GRAPH` entry. */
function objectGraphKeys(bundle: Bundle): Map<string, string> {
  const keys = new Map<string, string>();
  const entry = bundle.raw('_CHECKPOINTABLE_OBJECT_GRAPH');
  if (!entry) return keys;
  const [serialized] = stringElements(entry.bytes, 1);
  const graph = decodeTrackableObjectGraph(serialized!);
  for (const node of graph.nodes)
    for (const a of node.attributes)
      if (a.name === 'VARIABLE_VALUE' && a.full_name) keys.set(a.full_name, a.checkpoint_key);
  return keys;
}

function tfNode(n: NodeDef): TfNode {
  return { name: n.name, op: n.op, inputs: n.input.filter((i) => !i.startsWith('^')), attr: n.attr };
}

function bad(dir: string, why: string): NccError {
  return new NccError('NCC_BAD_MODEL', `${basename(dir)} is not a readable SavedModel: ${why}`, {
    file: dir,
    hint: 'the directory is incomplete or damaged; export the SavedModel again',
  });
}
