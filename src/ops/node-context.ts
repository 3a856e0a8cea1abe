import type { Node } from '../ir/graph.js';
import { NccError } from '../errors.js';
import { AttrError, parseAttrs } from './attributes.js';
import { OpError, OpUnsupported, type AnyOpDef } from './op.js';
import { lookupOp } from './registry.js';
import type { ParsedAttrs, AttrSchema } from './attributes.js';

/** The registry entry of a node, or a coded error naming the node. */
export function opOf(node: Node): AnyOpDef {
  const def = lookupOp(node.domain, node.op);
  if (!def) {
    throw new NccError('NCC_UNSUPPORTED_OP', `op ${qualifiedOp(node)} is not supported`, {
      node: node.name,
      op: qualifiedOp(node),
      hint: 'run `neuron-cc list-operators` for the supported ops',
    });
  }
  const [minIn, maxIn] = def.arity.inputs;
  const [minOut, maxOut] = def.arity.outputs;
  if (
    node.inputs.length < minIn ||
    node.inputs.length > maxIn ||
    node.outputs.length < minOut ||
    node.outputs.length > maxOut
  ) {
    throw new NccError(
      'NCC_INVALID_GRAPH',
      `${node.op} takes ${minIn}..${maxIn} inputs and ${minOut}..${maxOut} outputs, node has ${node.inputs.length} and ${node.outputs.length}`,
      { node: node.name, op: node.op },
    );
  }
  return def;
}

export function qualifiedOp(node: Node): string {
  return node.domain ? `${node.domain}::${node.op}` : node.op;
}

const attrCache = new WeakMap<Node, unknown>();

/** Parsed attributes of a node, cached: interpreters call this once per node per run. */
export function attrsOf(node: Node, def: AnyOpDef): ParsedAttrs<AttrSchema> {
  const hit = attrCache.get(node);
  if (hit) return hit as ParsedAttrs<AttrSchema>;
  const parsed = withNodeErrors(node, () => parseAttrs(def.attrs, node.attrs));
  attrCache.set(node, parsed);
  return parsed;
}

/** Runs op code and turns its plain errors into coded errors that name the node. */
export function withNodeErrors<T>(node: Node, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof NccError) throw e;
    if (e instanceof OpUnsupported) {
      throw new NccError('NCC_UNSUPPORTED_OP', `${node.op}: ${e.message}`, {
        node: node.name,
        op: qualifiedOp(node),
        hint: 'this use of the op is not supported yet',
      });
    }
    if (e instanceof OpError || e instanceof AttrError || e instanceof RangeError) {
      throw new NccError('NCC_INVALID_GRAPH', `${node.op}: ${e.message}`, {
        node: node.name,
        op: qualifiedOp(node),
      });
    }
    throw new NccError('NCC_INTERNAL', `${node.op} failed: ${(e as Error).message}`, {
      node: node.name,
      op: qualifiedOp(node),
      cause: e,
      hint: 'this is a bug in neuron-cc; please report it with the model',
    });
  }
}
