import type { AttrValue, Graph } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { NccError } from '../../errors.js';
import { int64ToNumber, type AttributeProto, type GraphProto, type TensorProto } from './onnx-proto.js';
import { tensorFromProto, type TensorReadOptions } from './tensor-proto.js';
import { denseFromSparse } from './sparse.js';

/** AttributeProto.AttributeType codes. */
export const TYPE = {
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
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

const utf8 = new TextDecoder();

export interface AttributeReadContext extends TensorReadOptions {
  readGraph(g: GraphProto): Graph;
}

/** Converts one AttributeProto; IR v1 files omit `type`, so it is inferred from the field that is set. */
export function attributeFromProto(a: AttributeProto, ctx: AttributeReadContext): AttrValue | undefined {
  // 0 is AttributeType UNDEFINED, which is also what an absent field decodes to
  const type = a.type || guessType(a);
  const tensor = (t: TensorProto): Tensor => tensorFromProto(t, ctx);
  switch (type) {
    case TYPE.FLOAT:
      return { kind: 'float', value: a.f ?? 0 };
    case TYPE.INT:
      return { kind: 'int', value: int64ToNumber(a.i) };
    case TYPE.STRING:
      return { kind: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case TYPE.TENSOR:
      return { kind: 'tensor', value: tensor(a.t ?? missing(a)) };
    case TYPE.GRAPH:
      return { kind: 'graph', value: ctx.readGraph(a.g ?? missing(a)) };
    case TYPE.FLOATS:
      return { kind: 'floats', value: [...a.floats] };
    case TYPE.INTS:
      return { kind: 'ints', value: a.ints.map((v) => int64ToNumber(v)) };
    case TYPE.STRINGS:
      return { kind: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
    case TYPE.TENSORS:
      return { kind: 'tensors', value: a.tensors.map(tensor) };
    case TYPE.GRAPHS:
      return { kind: 'graphs', value: a.graphs.map((g) => ctx.readGraph(g)) };
    case TYPE.SPARSE_TENSOR:
      return { kind: 'tensor', value: denseFromSparse(a.sparse_tensor, ctx) };
    case TYPE.SPARSE_TENSORS:
    case TYPE.TYPE_PROTO:
    case TYPE.TYPE_PROTOS:
      return undefined; // no op we compute takes these; the op itself rejects the node
    default:
      throw new NccError('NCC_BAD_MODEL', `attribute '${a.name ?? ''}' has unknown type ${type}`, {
        ...(ctx.file ? { file: ctx.file } : {}),
        hint: 'the model file is corrupt or from an unsupported ONNX version',
      });
  }
}

function missing(a: AttributeProto): never {
  throw new NccError('NCC_BAD_MODEL', `attribute '${a.name ?? ''}' declares a value it does not hold`);
}

/** Decoded messages carry field defaults on their prototype, so presence is an own property. */
function guessType(a: AttributeProto): number {
  const has = (field: keyof AttributeProto): boolean =>
    Object.hasOwn(a, field) && a[field] !== undefined && a[field] !== null;
  if (a.t) return TYPE.TENSOR;
  if (a.g) return TYPE.GRAPH;
  if (has('s')) return TYPE.STRING;
  if (a.floats.length) return TYPE.FLOATS;
  if (a.ints.length) return TYPE.INTS;
  if (a.strings.length) return TYPE.STRINGS;
  if (a.tensors.length) return TYPE.TENSORS;
  if (a.graphs.length) return TYPE.GRAPHS;
  if (has('i')) return TYPE.INT;
  return has('f') ? TYPE.FLOAT : TYPE.INT;
}
