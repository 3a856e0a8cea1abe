/**
 * TensorFlow model files -> IR model: a frozen GraphDef (binary `.pb`, or text `.pbtxt`). Inputs are
 * the Placeholders the outputs depend on, named as their nodes (`name` or `name:0` in --io-config);
 * outputs are `node` for a node's first output and `node:k` for the others.
 */
import { readModelFile } from '../read-file.js';
import { basename, extname } from 'node:path';
import type { Model } from '../../ir/graph.js';
import { NccError, isNccError } from '../../errors.js';
import type { IoConfig } from '../../options/io-config.js';
import { convertTfGraph } from './convert-graph.js';
import { importSavedModel, isSavedModelDir } from './saved-model.js';
import { importTfjsModel, isTfjsModel } from './tfjs.js';
import type { TfNode } from './node-converter.js';
import { parseTextMessage } from './text-format.js';
import { decodeGraphDef, tfType, type GraphDef, type NodeDef } from './tf-proto.js';

export interface TfImportOptions {
  readonly ioConfig?: IoConfig;
  /** SavedModels: the signature (default serving_default) and meta graph tags (default serve). */
  readonly signature?: string;
  readonly tags?: readonly string[];
}

export function importTensorflowFile(path: string, options: TfImportOptions = {}): Model {
  if (isSavedModelDir(path)) return importSavedModel(path, options);
  if (isTfjsModel(path)) return importTfjsModel(path, options);
  const bytes = readModelFile(path, 'check the path; a frozen TensorFlow graph is one .pb (or .pbtxt) file');
  const graphDef = decode(path, bytes);
  return modelOf(
    path,
    graphDef.node,
    options,
    `TensorFlow GraphDef (producer ${graphDef.versions?.producer ?? '?'})`,
  );
}

/** A frozen GraphDef file (binary .pb or text .pbtxt), decoded. */
export function readGraphDef(path: string): GraphDef {
  return decode(
    path,
    readModelFile(path, 'check the path; a frozen TensorFlow graph is one .pb (or .pbtxt) file'),
  );
}

function decode(path: string, bytes: Uint8Array): GraphDef {
  const text = extname(path).toLowerCase() === '.pbtxt';
  let graph: GraphDef;
  try {
    graph = text
      ? parseTextMessage<GraphDef>(
          new TextDecoder('utf-8', { fatal: true }).decode(bytes),
          tfType('GraphDef'),
        )
      : decodeGraphDef(bytes);
  } catch (e) {
    throw badModel(
      path,
      `not a valid GraphDef ${text ? 'text proto' : 'protobuf'} (${(e as Error).message})`,
    );
  }
  if (graph.node.length === 0) throw badModel(path, 'the graph has no nodes');
  return graph;
}

export function modelOf(
  path: string,
  nodes: readonly NodeDef[],
  options: TfImportOptions,
  producer: string,
): Model {
  const io = options.ioConfig;
  const pinned = new Map<string, readonly number[]>();
  for (const [name, pin] of io?.inputs ?? []) pinned.set(name.replace(/:0$/, ''), pin.shape);
  try {
    const graph = convertTfGraph(nodes.map(tfNode), {
      file: path,
      ...(io?.outputs ? { outputs: io.outputs.map((o) => o.replace(/:0$/, '')) } : {}),
      pinned,
    });
    return {
      name: basename(path).replace(/\.(pb|pbtxt)$/i, ''),
      graph,
      // the IR's own spelling of every op is ONNX's newest
      opsets: new Map([['', 21]]),
      producer,
      source: { format: 'tensorflow', path },
    };
  } catch (e) {
    if (isNccError(e)) throw e;
    throw badModel(path, (e as Error).message);
  }
}

function tfNode(n: NodeDef): TfNode {
  return { name: n.name, op: n.op, inputs: n.input.filter((i) => !i.startsWith('^')), attr: n.attr };
}

function badModel(path: string, why: string): NccError {
  return new NccError('NCC_BAD_MODEL', `${basename(path)} is not a readable TensorFlow model: ${why}`, {
    file: path,
    hint: 'the file is corrupt, truncated or not a TensorFlow graph; re-export it',
  });
}
