import type { FunctionProto, NodeProto, AttributeProto, GraphProto } from './onnx-proto.js';

/**
 * Model-local functions (FunctionProto) are inlined at import: each call becomes the function's
 * nodes with formal parameters renamed to the call's values and attribute references resolved.
 */
export interface InlineNode {
  readonly proto: NodeProto;
  /** Attribute values substituted for `ref_attr_name` references, by reference name. */
  readonly bindings: ReadonlyMap<string, AttributeProto>;
}

export function functionKey(domain: string, name: string): string {
  return `${domain}::${name}`;
}

let callCounter = 0;

export function inlineCall(
  call: NodeProto,
  fn: FunctionProto,
  bindings: ReadonlyMap<string, AttributeProto>,
): InlineNode[] {
  callCounter += 1;
  const prefix = `${call.name || fn.name || 'fn'}__call${callCounter}/`;
  const rename = new Map<string, string>();
  fn.input.forEach((formal, i) => rename.set(formal, call.input[i] ?? ''));
  fn.output.forEach((formal, i) => rename.set(formal, call.output[i] ?? ''));
  const local = (n: string): string => (n === '' ? '' : (rename.get(n) ?? `${prefix}${n}`));
  // the call's attributes, then the function's declared defaults
  const callAttrs = new Map<string, AttributeProto>();
  for (const d of fn.attribute_proto ?? []) if (d.name) callAttrs.set(d.name, d);
  for (const a of call.attribute) {
    const resolved = a.ref_attr_name ? bindings.get(a.ref_attr_name) : a;
    if (a.name && resolved) callAttrs.set(a.name, { ...resolved, name: a.name });
  }
  return fn.node.map((n) => ({
    proto: { ...renameNode(n, local), name: `${prefix}${n.name ?? ''}` },
    bindings: callAttrs,
  }));
}

/** Subgraphs (If/Loop bodies) of a function's nodes read the function's values: rename them alike. */
function renameNode(n: NodeProto, local: (name: string) => string): NodeProto {
  const attribute = n.attribute.map((a) => {
    if (!a.g && !a.graphs.length) return a;
    return {
      ...a,
      g: a.g ? renameGraph(a.g, local) : a.g,
      graphs: a.graphs.map((g) => renameGraph(g, local)),
    };
  });
  return { ...n, input: n.input.map(local), output: n.output.map(local), attribute };
}

function renameGraph(g: GraphProto, local: (name: string) => string): GraphProto {
  const value = <V extends { name?: string }>(v: V): V => ({ ...v, name: local(v.name ?? '') });
  return {
    ...g,
    input: g.input.map(value),
    output: g.output.map(value),
    value_info: g.value_info.map(value),
    initializer: g.initializer.map(value),
    node: g.node.map((n) => renameNode(n, local)),
  };
}
