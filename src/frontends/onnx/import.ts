import { readModelFile } from '../read-file.js';
import { basename, dirname } from 'node:path';
import type { AttrValue, Graph, Model, Node, ValueInfo } from '../../ir/graph.js';
import type { TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { NccError, isNccError } from '../../errors.js';
import { attributeFromProto } from './attributes.js';
import { functionKey, inlineCall, type InlineNode } from './functions.js';
import {
  decodeModel,
  int64ToNumber,
  type FunctionProto,
  type GraphProto,
  type ModelProto,
} from './onnx-proto.js';
import { tensorFromProto } from './tensor-proto.js';
import { upgradeNode } from './upgrades/index.js';
import { tensorTypeFromProto } from './value-types.js';

/** Reads an ONNX model file into the IR. Corrupt files raise NCC_BAD_MODEL, never a decoder crash. */
export function importOnnxFile(path: string): Model {
  const bytes = readModelFile(
    path,
    'check the path; an ONNX model is a single .onnx file (external weights beside it)',
  );
  return importOnnxBytes(bytes, { path, baseDir: dirname(path) });
}

export interface OnnxImportOptions {
  readonly path: string;
  readonly baseDir: string;
}

export function importOnnxBytes(bytes: Uint8Array, opts: OnnxImportOptions): Model {
  let proto: ModelProto;
  try {
    proto = decodeModel(bytes);
  } catch (e) {
    throw badModel(opts.path, `not a valid ONNX protobuf (${(e as Error).message})`);
  }
  if (!proto.graph || proto.graph.node.length + proto.graph.output.length === 0) {
    throw badModel(opts.path, 'no graph found in the file');
  }
  try {
    return convertModel(proto, opts);
  } catch (e) {
    if (isNccError(e)) throw e;
    throw badModel(opts.path, (e as Error).message);
  }
}

function badModel(path: string, why: string): NccError {
  return new NccError('NCC_BAD_MODEL', `${basename(path)} is not a readable ONNX model: ${why}`, {
    file: path,
    hint: 'the file is corrupt, truncated or not ONNX; re-export it from the framework',
  });
}

function convertModel(proto: ModelProto, opts: OnnxImportOptions): Model {
  const opsets = new Map<string, number>();
  for (const o of proto.opset_import) opsets.set(normalizeDomain(o.domain ?? ''), int64ToNumber(o.version));
  // IR version 3 and older may omit opset_import: it then means ai.onnx version 1
  if (!opsets.has('')) opsets.set('', 1);
  const functions = new Map<string, FunctionProto>();
  for (const f of proto.functions ?? []) functions.set(functionKey(f.domain ?? '', f.name ?? ''), f);
  const converter = new GraphConverter(opsets, functions, opts);
  const graph = converter.graph(proto.graph!, true);
  return {
    name: proto.graph!.name || basename(opts.path).replace(/\.onnx$/i, ''),
    graph,
    opsets,
    producer: [proto.producer_name, proto.producer_version].filter(Boolean).join(' '),
    source: { format: 'onnx', path: opts.path },
  };
}

export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

class GraphConverter {
  private constantCounter = 0;

  constructor(
    private readonly opsets: ReadonlyMap<string, number>,
    private readonly functions: ReadonlyMap<string, FunctionProto>,
    private readonly opts: OnnxImportOptions,
  ) {}

  graph(g: GraphProto, topLevel: boolean): Graph {
    const file = this.opts.path;
    const initializers = new Map<string, Tensor>();
    for (const t of g.initializer)
      initializers.set(t.name ?? '', tensorFromProto(t, { baseDir: this.opts.baseDir, file }));
    const declared = (v: GraphProto['input'][number]): TensorType | undefined => tensorTypeFromProto(v, file);
    // initializers listed as inputs (IR < 4) are constants with a default, not runtime inputs
    const inputs: ValueInfo[] = g.input
      .filter((v) => !initializers.has(v.name ?? ''))
      .map((v) => ({ name: v.name ?? '', type: declared(v) ?? { dtype: 'float32', shape: undefined } }));
    if (topLevel && g.input.some((v) => !initializers.has(v.name ?? '') && !v.type)) {
      throw badModel(file, 'a graph input has no type');
    }
    const outputs: ValueInfo[] = g.output.map((v) => ({
      name: v.name ?? '',
      type: declared(v) ?? { dtype: 'float32', shape: undefined },
    }));
    const valueTypes = new Map<string, TensorType>();
    for (const v of g.value_info) {
      const t = safeType(() => declared(v));
      if (t) valueTypes.set(v.name ?? '', t);
    }
    const nodes: Node[] = [];
    const addConstant = (value: Tensor, hint: string): string => {
      this.constantCounter += 1;
      const name = `${hint}__const${this.constantCounter}`;
      initializers.set(name, value);
      return name;
    };
    const pending: InlineNode[] = g.node.map((proto) => ({ proto, bindings: new Map() })).reverse();
    let index = 0;
    while (pending.length) {
      const item = pending.pop()!;
      const p = item.proto;
      const domain = normalizeDomain(p.domain ?? '');
      const fn = this.functions.get(functionKey(p.domain ?? '', p.op_type ?? ''));
      if (fn) {
        pending.push(...inlineCall(p, fn, item.bindings).reverse());
        continue;
      }
      const attrs: Record<string, AttrValue> = {};
      for (const a of p.attribute) {
        const source = a.ref_attr_name ? item.bindings.get(a.ref_attr_name) : a;
        if (!source || !a.name) continue;
        const v = attributeFromProto(source, {
          baseDir: this.opts.baseDir,
          file,
          readGraph: (sub) => this.graph(sub, false),
        });
        if (v) attrs[a.name] = v;
      }
      const node: Node = {
        name: p.name || `${p.op_type ?? 'node'}_${index}`,
        op: p.op_type ?? '',
        domain,
        inputs: [...p.input],
        outputs: [...p.output],
        attrs,
      };
      index += 1;
      if (!node.op) throw badModel(file, `node ${node.name} has no op_type`);
      nodes.push(upgradeNode(node, { opset: this.opsets.get(domain) ?? 1, addConstant }));
    }
    return { name: g.name ?? '', inputs, outputs, initializers, nodes, valueTypes };
  }
}

/** value_info of intermediate values is advisory: a non-tensor entry must not fail the import. */
function safeType(f: () => TensorType | undefined): TensorType | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
