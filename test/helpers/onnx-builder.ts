import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DType } from '../../src/ir/dtype.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { onnxCodeOf } from '../../src/frontends/onnx/dtypes.js';
import { encodeModel } from '../../src/frontends/onnx/onnx-proto.js';

/**
 * Writes ONNX ModelProto bytes from a terse description, so frontend and pass tests can state the
 * model they need in a few lines. Objects use onnx.proto field names (snake_case) and go through
 * encodeModel; int64 values are written as decimal strings so values beyond 2^53 survive.
 */

/** A protobuf message as protobufjs' fromObject takes it. */
export type ProtoObject = Record<string, unknown>;

/** number: dim_value; string: dim_param; null: a dim with neither (unknown size). */
export type DimSpec = number | string | null;

/** [name, element type (a DType or a raw ONNX code), shape (omitted: no shape)]. */
export type ValueSpec = readonly [name: string, dtype: DType | number, shape?: readonly DimSpec[]];

/** Attribute type codes of onnx.proto (AttributeProto.AttributeType). */
export const ATTR_TYPE = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
} as const;

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  /** Values made with `attr.*`. */
  readonly attrs?: Readonly<Record<string, ProtoObject>>;
}

export interface GraphSpec {
  readonly name?: string;
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly nodes: readonly NodeSpec[];
  /** TensorProto objects: see initializer() and externalTensor(). */
  readonly initializers?: readonly ProtoObject[];
  readonly valueInfo?: readonly ValueSpec[];
}

export interface FunctionSpec {
  readonly name: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly nodes: readonly NodeSpec[];
  /** Attribute parameters without a default. */
  readonly attributes?: readonly string[];
  /** Attribute parameters with a default value (made with `attr.*`). */
  readonly attributeDefaults?: Readonly<Record<string, ProtoObject>>;
  readonly opset?: number;
}

export interface ModelSpec extends GraphSpec {
  /** The ai.onnx opset version (default 17). */
  readonly opset?: number;
  /** Further opset imports by domain. */
  readonly opsets?: Readonly<Record<string, number>>;
  readonly functions?: readonly FunctionSpec[];
  readonly irVersion?: number;
  readonly producer?: string;
}

const utf8 = new TextEncoder();

function codeOf(dtype: DType | number): number {
  return typeof dtype === 'number' ? dtype : onnxCodeOf(dtype);
}

export function valueInfo([name, dtype, shape]: ValueSpec): ProtoObject {
  const tensorType: ProtoObject = { elem_type: codeOf(dtype) };
  if (shape) {
    tensorType.shape = {
      dim: shape.map((d) => (d === null ? {} : typeof d === 'number' ? { dim_value: d } : { dim_param: d })),
    };
  }
  return { name, type: { tensor_type: tensorType } };
}

/** Attribute values; the builder adds the name. */
export const attr = {
  int: (v: number | bigint): ProtoObject => ({ type: ATTR_TYPE.INT, i: String(v) }),
  float: (v: number): ProtoObject => ({ type: ATTR_TYPE.FLOAT, f: v }),
  string: (v: string): ProtoObject => ({ type: ATTR_TYPE.STRING, s: utf8.encode(v) }),
  ints: (v: readonly (number | bigint)[]): ProtoObject => ({ type: ATTR_TYPE.INTS, ints: v.map(String) }),
  floats: (v: readonly number[]): ProtoObject => ({ type: ATTR_TYPE.FLOATS, floats: [...v] }),
  strings: (v: readonly string[]): ProtoObject => ({
    type: ATTR_TYPE.STRINGS,
    strings: v.map((s) => utf8.encode(s)),
  }),
  tensor: (t: ProtoObject): ProtoObject => ({ type: ATTR_TYPE.TENSOR, t }),
  tensors: (ts: readonly ProtoObject[]): ProtoObject => ({ type: ATTR_TYPE.TENSORS, tensors: [...ts] }),
  graph: (g: GraphSpec): ProtoObject => ({ type: ATTR_TYPE.GRAPH, g: graphProto(g) }),
  graphs: (gs: readonly GraphSpec[]): ProtoObject => ({ type: ATTR_TYPE.GRAPHS, graphs: gs.map(graphProto) }),
  /** A reference to an attribute parameter of the enclosing function. */
  ref: (refName: string, type: number): ProtoObject => ({ type, ref_attr_name: refName }),
};

export function nodeProto(n: NodeSpec, index = 0): ProtoObject {
  return {
    op_type: n.op,
    input: [...n.inputs],
    output: [...n.outputs],
    name: n.name ?? `${n.op}_${index}`,
    ...(n.domain !== undefined ? { domain: n.domain } : {}),
    attribute: Object.entries(n.attrs ?? {}).map(([name, a]) => ({ name, ...a })),
  };
}

export function graphProto(g: GraphSpec): ProtoObject {
  return {
    name: g.name ?? 'g',
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
    node: g.nodes.map(nodeProto),
    initializer: [...(g.initializers ?? [])],
    value_info: (g.valueInfo ?? []).map(valueInfo),
  };
}

function functionProto(f: FunctionSpec): ProtoObject {
  return {
    name: f.name,
    domain: f.domain,
    input: [...f.inputs],
    output: [...f.outputs],
    attribute: [...(f.attributes ?? [])],
    attribute_proto: Object.entries(f.attributeDefaults ?? {}).map(([name, a]) => ({ name, ...a })),
    node: f.nodes.map(nodeProto),
    opset_import: [{ domain: '', version: f.opset ?? 17 }],
  };
}

export function modelProto(m: ModelSpec): ProtoObject {
  const opsets = [{ domain: '', version: m.opset ?? 17 }];
  for (const [domain, version] of Object.entries(m.opsets ?? {})) opsets.push({ domain, version });
  for (const f of m.functions ?? []) {
    if (!opsets.some((o) => o.domain === f.domain)) opsets.push({ domain: f.domain, version: 1 });
  }
  return {
    ir_version: m.irVersion ?? 8,
    producer_name: m.producer ?? 'onnx-builder',
    opset_import: opsets,
    graph: graphProto(m),
    functions: (m.functions ?? []).map(functionProto),
  };
}

export function buildModel(m: ModelSpec): Uint8Array {
  return encodeModel(modelProto(m));
}

/** Little-endian bytes of a tensor's storage (the layout of raw_data and external data). */
export function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
}

/**
 * A TensorProto holding `t`. 'raw' writes raw_data; 'typed' writes the repeated field ONNX assigns
 * to the element type (16-bit floats, small ints and bool as int32_data).
 */
export function initializer(name: string, t: Tensor, encoding: 'raw' | 'typed' = 'raw'): ProtoObject {
  const head = { name, dims: t.shape.map(String), data_type: onnxCodeOf(t.dtype) };
  if (encoding === 'raw') return { ...head, raw_data: tensorBytes(t) };
  const values = Array.from(t.data as ArrayLike<number | bigint>);
  switch (t.dtype) {
    case 'float32':
      return { ...head, float_data: values };
    case 'float64':
      return { ...head, double_data: values };
    case 'int64':
      return { ...head, int64_data: values.map(String) };
    case 'uint32':
    case 'uint64':
      return { ...head, uint64_data: values.map(String) };
    default:
      return { ...head, int32_data: values };
  }
}

export interface ExternalRef {
  readonly location: string;
  readonly offset?: number;
  readonly length?: number;
}

/** A TensorProto whose payload lives in a side file (data_location EXTERNAL). */
export function externalTensor(
  name: string,
  dtype: DType,
  dims: readonly number[],
  ref: ExternalRef,
): ProtoObject {
  const entries = [{ key: 'location', value: ref.location }];
  if (ref.offset !== undefined) entries.push({ key: 'offset', value: String(ref.offset) });
  if (ref.length !== undefined) entries.push({ key: 'length', value: String(ref.length) });
  return {
    name,
    dims: dims.map(String),
    data_type: onnxCodeOf(dtype),
    data_location: 1,
    external_data: entries,
  };
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the process exits. */
export function tempDir(prefix = 'ncc-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/** Writes bytes (or a built model) to `file` inside `dir` (a fresh temp dir by default); returns the path. */
export function writeModel(model: Uint8Array | ModelSpec, file = 'model.onnx', dir = tempDir()): string {
  const path = join(dir, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, model instanceof Uint8Array ? model : buildModel(model));
  return path;
}
