/**
 * NodeDefs written in the JSON form of TensorFlow.js graph models (the inverse of reading them in
 * tfjs.ts): bytes in base64, 64-bit integers as strings, types by name, field names in camelCase.
 */
import { tfTypeName } from './dtypes.js';
import type { AttrValue, NodeDef, TensorProto, TensorShapeProto } from './tf-proto.js';

export interface JsonNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

export function nodeToJson(n: NodeDef): JsonNode {
  return {
    name: n.name,
    op: n.op,
    ...(n.input.length ? { input: [...n.input] } : {}),
    attr: Object.fromEntries(Object.entries(n.attr ?? {}).map(([k, v]) => [k, attrToJson(v)])),
  };
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

function shapeToJson(s: TensorShapeProto | null | undefined): unknown {
  if (!s) return {};
  if (s.unknown_rank) return { unknownRank: true };
  return { dim: s.dim.map((d) => ({ size: String(d.size) })) };
}

/** A tensor attribute's type and shape; its values travel as a weight (constants) or stay inline. */
export function tensorToJson(t: TensorProto, withValues: boolean): unknown {
  return {
    dtype: tfTypeName(t.dtype),
    tensorShape: shapeToJson(t.tensor_shape),
    ...(withValues && t.tensor_content?.length ? { tensorContent: b64(t.tensor_content) } : {}),
    ...(withValues && t.float_val?.length ? { floatVal: [...t.float_val] } : {}),
    ...(withValues && t.int_val?.length ? { intVal: [...t.int_val] } : {}),
    ...(withValues && t.int64_val?.length ? { int64Val: t.int64_val.map(String) } : {}),
    ...(withValues && t.bool_val?.length ? { boolVal: [...t.bool_val] } : {}),
  };
}

function attrToJson(a: AttrValue): unknown {
  switch (a.value) {
    case 's':
      return { s: b64(a.s ?? new Uint8Array()) };
    case 'i':
      return { i: String(a.i ?? 0) };
    case 'f':
      return { f: a.f ?? 0 };
    case 'b':
      return { b: Boolean(a.b) };
    case 'type':
      return { type: tfTypeName(a.type ?? 1) };
    case 'shape':
      return { shape: shapeToJson(a.shape) };
    case 'tensor':
      return { tensor: tensorToJson(a.tensor!, true) };
    case 'list': {
      const l = a.list!;
      return {
        list: {
          ...(l.s?.length ? { s: l.s.map(b64) } : {}),
          ...(l.i?.length ? { i: l.i.map(String) } : {}),
          ...(l.f?.length ? { f: [...l.f] } : {}),
          ...(l.b?.length ? { b: [...l.b] } : {}),
          ...(l.type?.length ? { type: l.type.map(tfTypeName) } : {}),
          ...(l.shape?.length ? { shape: l.shape.map(shapeToJson) } : {}),
        },
      };
    }
    default:
      return {};
  }
}
