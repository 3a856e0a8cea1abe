/**
 * TensorFlow.js graph models: `model.json` (a GraphDef in protobuf's JSON form, plus a weights
 * manifest) and its binary weight shards. The shards of a group are one byte stream holding the
 * weights one after another in manifest order; quantized weights (uint8/uint16 with min and scale,
 * or float16) are turned back into their original type at compile time.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, normalize, sep } from 'node:path';
import type { DType } from '../../ir/dtype.js';
import { float16BitsToFloat32 } from '../../ir/half.js';
import type { Model } from '../../ir/graph.js';
import { fromNumbers, sizeOf, type Tensor } from '../../ir/tensor.js';
import { NccError, isNccError } from '../../errors.js';
import type { IoConfig } from '../../options/io-config.js';
import { convertTfGraph } from './convert-graph.js';
import { tfTypeCode } from './dtypes.js';
import { inlineFunctions } from './functions.js';
import type { TfNode } from './node-converter.js';
import type { AttrList, AttrValue, FunctionDef, NodeDef, TensorProto, TensorShapeProto } from './tf-proto.js';

export function isTfjsModel(path: string): boolean {
  return basename(path).toLowerCase().endsWith('.json');
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

export interface ModelJson {
  format?: string;
  modelTopology?: { node?: unknown[]; library?: { function?: unknown[] } };
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  signature?: { inputs?: Record<string, unknown>; outputs?: Record<string, { name?: string }> };
}

/** A TF.js graph model read: its JSON, its nodes (functions inlined) and its weights by node name. */
export interface TfjsGraph {
  readonly json: ModelJson;
  readonly nodes: readonly NodeDef[];
  readonly weights: ReadonlyMap<string, Tensor>;
  /** The signature's outputs, if it names any. */
  readonly outputs: readonly string[];
}

export function readTfjsGraph(path: string): TfjsGraph {
  let json: ModelJson;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  } catch (e) {
    if ((e as Error).message === 'not a file' || (e as { code?: string }).code === 'ENOENT')
      throw new NccError('NCC_FILE_NOT_FOUND', `cannot read model file ${path}`, {
        file: path,
        hint: 'a TensorFlow.js graph model is model.json with its weight shards beside it',
      });
    throw bad(path, `model.json is not valid JSON (${(e as Error).message})`);
  }
  try {
    if (json.format !== undefined && json.format !== 'graph-model')
      throw new NccError(
        'NCC_BAD_MODEL',
        `model.json is a TensorFlow.js '${json.format}', not a graph model`,
        {
          file: path,
          hint: 'convert the model with tensorflowjs_converter --output_format=tfjs_graph_model',
        },
      );
    const topology = json.modelTopology;
    if (!topology || !Array.isArray(topology.node)) throw new Error('it has no modelTopology.node list');
    const library = new Map<string, FunctionDef>(
      (topology.library?.function ?? []).map((f) => {
        const fn = functionFromJson(f);
        return [fn.signature?.name ?? '', fn];
      }),
    );
    const nodes = inlineFunctions(topology.node.map(nodeFromJson), library);
    const weights = readWeights(path, json.weightsManifest ?? []);
    const outputs = Object.entries(json.signature?.outputs ?? {}).map(([k, v]) => v.name ?? k);
    return { json, nodes, weights, outputs };
  } catch (e) {
    if (isNccError(e)) throw e;
    throw bad(path, (e as Error).message);
  }
}

export function importTfjsModel(path: string, options: { ioConfig?: IoConfig } = {}): Model {
  const { nodes, weights, outputs: signatureOutputs } = readTfjsGraph(path);
  try {
    const io = options.ioConfig;
    const pinned = new Map<string, readonly number[]>();
    for (const [n, pin] of io?.inputs ?? []) pinned.set(n.replace(/:0$/, ''), pin.shape);
    const outputs = io?.outputs ?? (signatureOutputs.length ? signatureOutputs : undefined);
    const graph = convertTfGraph(nodes.map(tfNode), {
      file: path,
      ...(outputs ? { outputs: outputs.map((o) => o.replace(/:0$/, '')) } : {}),
      pinned,
      variables: weights,
    });
    return {
      name: basename(dirname(path)) || 'model',
      graph,
      opsets: new Map([['', 21]]),
      producer: 'TensorFlow.js graph model',
      source: { format: 'tensorflow', path },
    };
  } catch (e) {
    if (isNccError(e)) throw e;
    throw bad(path, (e as Error).message);
  }
}

const WEIGHT_BYTES: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function readWeights(
  path: string,
  manifest: readonly { paths: string[]; weights: WeightSpec[] }[],
): Map<string, Tensor> {
  const dir = dirname(path);
  const out = new Map<string, Tensor>();
  for (const group of manifest) {
    const parts = group.paths.map((p) => {
      const file = normalize(join(dir, p));
      if (!file.startsWith(normalize(dir) + sep))
        throw new Error(`weight shard path '${p}' leaves the model's folder`);
      if (!existsSync(file))
        throw new NccError('NCC_FILE_NOT_FOUND', `weight shard ${p} is missing`, {
          file,
          hint: 'copy the shards with model.json',
        });
      return readFileSync(file);
    });
    const bytes = Buffer.concat(parts);
    let at = 0;
    for (const w of group.weights) {
      const count = sizeOf(w.shape);
      const stored = w.quantization?.dtype ?? w.dtype;
      if (w.dtype === 'string') {
        // 4-byte length, then the bytes, per element: skipped (no numeric form)
        for (let i = 0; i < count; i++) at += 4 + bytes.readUInt32LE(at);
        continue;
      }
      const size = WEIGHT_BYTES[stored];
      if (size === undefined)
        throw new Error(`weight '${w.name}' has dtype ${stored}, which is not supported`);
      const end = at + count * size;
      if (end > bytes.length) throw new Error(`the weight shards end before weight '${w.name}'`);
      out.set(w.name, weightTensor(w, bytes.subarray(at, end), count));
      at = end;
    }
  }
  return out;
}

function weightTensor(w: WeightSpec, bytes: Uint8Array, count: number): Tensor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = w.quantization;
  const dtype: DType = w.dtype === 'int32' ? 'int32' : w.dtype === 'bool' ? 'bool' : 'float32';
  const values = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    if (!q)
      values[i] =
        w.dtype === 'int32'
          ? view.getInt32(i * 4, true)
          : w.dtype === 'bool'
            ? bytes[i]!
            : view.getFloat32(i * 4, true);
    else if (q.dtype === 'float16') values[i] = float16BitsToFloat32(view.getUint16(i * 2, true));
    else {
      const raw = q.dtype === 'uint8' ? bytes[i]! : view.getUint16(i * 2, true);
      values[i] = raw * (q.scale ?? 1) + (q.min ?? 0);
    }
    if (dtype === 'int32' && q) values[i] = Math.round(values[i]!);
  }
  return fromNumbers(dtype, w.shape, values);
}

/** protobuf JSON (lowerCamelCase, int64 as strings, enums and bytes as strings) -> NodeDef. */
function nodeFromJson(raw: unknown): NodeDef {
  const n = raw as {
    name?: string;
    op?: string;
    input?: string[];
    device?: string;
    attr?: Record<string, unknown>;
  };
  if (typeof n.name !== 'string' || typeof n.op !== 'string') throw new Error('a node has no name or op');
  return {
    name: n.name,
    op: n.op,
    input: n.input ?? [],
    device: n.device ?? '',
    attr: Object.fromEntries(Object.entries(n.attr ?? {}).map(([k, v]) => [k, attrFromJson(v)])),
  };
}

function functionFromJson(raw: unknown): FunctionDef {
  const f = raw as {
    signature?: { name?: string; inputArg?: { name: string }[]; outputArg?: { name: string }[] };
    nodeDef?: unknown[];
    ret?: Record<string, string>;
  };
  const arg = (a: { name: string }) => ({
    name: a.name,
    type: 0,
    type_attr: '',
    number_attr: '',
    type_list_attr: '',
  });
  return {
    signature: {
      name: f.signature?.name ?? '',
      input_arg: (f.signature?.inputArg ?? []).map(arg),
      output_arg: (f.signature?.outputArg ?? []).map(arg),
    },
    attr: {},
    node_def: (f.nodeDef ?? []).map(nodeFromJson),
    ret: f.ret ?? {},
  };
}

function attrFromJson(raw: unknown): AttrValue {
  const a = raw as Record<string, unknown>;
  if ('s' in a) return { value: 's', s: base64(a.s as string) };
  if ('i' in a) return { value: 'i', i: Number(a.i) };
  if ('f' in a) return { value: 'f', f: Number(a.f) };
  if ('b' in a) return { value: 'b', b: Boolean(a.b) };
  if ('type' in a) return { value: 'type', type: typeCode(a.type) };
  if ('shape' in a) return { value: 'shape', shape: shapeFromJson(a.shape) };
  if ('tensor' in a) return { value: 'tensor', tensor: tensorFromJson(a.tensor) };
  if ('func' in a) {
    const f = a.func as { name?: string; attr?: Record<string, unknown> };
    return {
      value: 'func',
      func: {
        name: f.name ?? '',
        attr: Object.fromEntries(Object.entries(f.attr ?? {}).map(([k, v]) => [k, attrFromJson(v)])),
      },
    };
  }
  if ('list' in a) {
    const l = (a.list ?? {}) as Record<string, unknown[] | undefined>;
    const list: AttrList = {
      s: (l.s ?? []).map((s) => base64(s as string)),
      i: (l.i ?? []).map(Number),
      f: (l.f ?? []).map(Number),
      b: (l.b ?? []).map(Boolean),
      type: (l.type ?? []).map(typeCode),
      shape: (l.shape ?? []).map(shapeFromJson),
      tensor: (l.tensor ?? []).map(tensorFromJson),
      func: [],
    };
    return { value: 'list', list };
  }
  return {};
}

function typeCode(v: unknown): number {
  if (typeof v === 'number') return v;
  const code = tfTypeCode(String(v));
  if (code === undefined) throw new Error(`unknown DataType '${String(v)}'`);
  return code;
}

function shapeFromJson(raw: unknown): TensorShapeProto {
  const s = (raw ?? {}) as { dim?: { size?: string | number }[]; unknownRank?: boolean };
  return {
    dim: (s.dim ?? []).map((d) => ({ size: Number(d.size ?? 0), name: '' })),
    unknown_rank: Boolean(s.unknownRank),
  };
}

function tensorFromJson(raw: unknown): TensorProto {
  const t = (raw ?? {}) as Record<string, unknown>;
  const nums = (k: string): number[] => ((t[k] as unknown[] | undefined) ?? []).map(Number);
  return {
    dtype: typeCode(t.dtype ?? 'DT_FLOAT'),
    tensor_shape: shapeFromJson(t.tensorShape),
    tensor_content: typeof t.tensorContent === 'string' ? base64(t.tensorContent) : new Uint8Array(0),
    half_val: nums('halfVal'),
    float_val: nums('floatVal'),
    double_val: nums('doubleVal'),
    int_val: nums('intVal'),
    string_val: ((t.stringVal as string[] | undefined) ?? []).map(base64),
    scomplex_val: [],
    int64_val: nums('int64Val'),
    bool_val: ((t.boolVal as unknown[] | undefined) ?? []).map(Boolean),
    dcomplex_val: [],
    uint32_val: nums('uint32Val'),
    uint64_val: nums('uint64Val'),
  };
}

function base64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function tfNode(n: NodeDef): TfNode {
  return { name: n.name, op: n.op, inputs: n.input.filter((i) => !i.startsWith('^')), attr: n.attr };
}

function bad(path: string, why: string): NccError {
  return new NccError(
    'NCC_BAD_MODEL',
    `${basename(path)} is not a readable TensorFlow.js graph model: ${why}`,
    {
      file: path,
      hint: 'the model.json or its shards are damaged or incomplete; convert the model again',
    },
  );
}
