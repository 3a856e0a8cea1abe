/**
 * IR graph -> ONNX model bytes. The IR spells every op as ONNX's newest opset does, so a graph from
 * any frontend writes as an ONNX model of opset 21 (plus the ai.neuron domain for compiled segments
 * and fused ops). Tensors are stored raw, little-endian; subgraphs and every attribute kind round-trip.
 */
import type { AttrValue, Graph, Node, ValueInfo } from '../../ir/graph.js';
import { byteSize } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Shape } from '../../ir/shape.js';
import { onnxCodeOf } from './dtypes.js';
import { TYPE } from './attributes.js';
import { encodeModel } from './onnx-proto.js';

type Proto = Record<string, unknown>;

export interface ExportOptions {
  /** ai.onnx opset version the graph's ops follow. */
  readonly opset?: number;
  readonly producer?: string;
  /** Further domains and their versions (ai.neuron: 1). */
  readonly domains?: ReadonlyMap<string, number>;
}

export function exportOnnx(graph: Graph, options: ExportOptions = {}): Uint8Array {
  const domains = new Map(options.domains ?? []);
  collectDomains(graph, domains);
  return encodeModel({
    ir_version: 10,
    producer_name: options.producer ?? 'neuron-cc',
    opset_import: [
      { domain: '', version: options.opset ?? 21 },
      ...[...domains].filter(([d]) => d !== '').map(([domain, version]) => ({ domain, version })),
    ],
    graph: graphProto(graph),
  });
}

function collectDomains(graph: Graph, into: Map<string, number>): void {
  for (const n of graph.nodes) {
    if (n.domain !== '' && !into.has(n.domain)) into.set(n.domain, 1);
    for (const a of Object.values(n.attrs)) {
      if (a.kind === 'graph') collectDomains(a.value, into);
      if (a.kind === 'graphs') for (const g of a.value) collectDomains(g, into);
    }
  }
}

function graphProto(g: Graph): Proto {
  return {
    name: g.name,
    node: g.nodes.map(nodeProto),
    initializer: [...g.initializers].map(([name, t]) => tensorProto(t, name)),
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
    value_info: [...g.valueTypes].map(([name, type]) => valueInfo({ name, type })),
  };
}

function nodeProto(n: Node): Proto {
  return {
    name: n.name,
    op_type: n.op,
    domain: n.domain,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a)),
  };
}

function attributeProto(name: string, a: AttrValue): Proto {
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  switch (a.kind) {
    case 'int':
      return { name, type: TYPE.INT, i: a.value };
    case 'float':
      return { name, type: TYPE.FLOAT, f: a.value };
    case 'string':
      return { name, type: TYPE.STRING, s: utf8(a.value) };
    case 'tensor':
      return { name, type: TYPE.TENSOR, t: tensorProto(a.value) };
    case 'graph':
      return { name, type: TYPE.GRAPH, g: graphProto(a.value) };
    case 'ints':
      return { name, type: TYPE.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: TYPE.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: TYPE.STRINGS, strings: a.value.map(utf8) };
    case 'tensors':
      return { name, type: TYPE.TENSORS, tensors: a.value.map((t) => tensorProto(t)) };
    case 'graphs':
      return { name, type: TYPE.GRAPHS, graphs: a.value.map(graphProto) };
  }
}

function tensorProto(t: Tensor, name?: string): Proto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * byteSize(t.dtype));
  return {
    ...(name !== undefined ? { name } : {}),
    dims: [...t.shape],
    data_type: onnxCodeOf(t.dtype),
    raw_data: bytes.slice(),
  };
}

function valueInfo(v: ValueInfo): Proto {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: onnxCodeOf(v.type.dtype),
        ...(v.type.shape ? { shape: shapeProto(v.type.shape) } : {}),
      },
    },
  };
}

function shapeProto(shape: Shape): Proto {
  return { dim: shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
}
