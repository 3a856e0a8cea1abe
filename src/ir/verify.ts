import { NccError } from '../errors.js';
import type { Graph, Node } from './graph.js';

/**
 * Structural invariants of a graph: every value is produced once (SSA), every use follows its
 * definition (topological order), and outputs exist. Subgraphs may read enclosing scopes.
 */
export function verifyGraph(graph: Graph, outer: ReadonlySet<string> = new Set()): void {
  const defined = new Set<string>(outer);
  const define = (name: string, by: string): void => {
    if (name === '') return;
    if (defined.has(name) && !outer.has(name)) {
      throw invalid(`value '${name}' is defined twice (second time by ${by})`, name);
    }
    defined.add(name);
  };
  for (const v of graph.inputs) define(v.name, 'a graph input');
  for (const name of graph.initializers.keys()) {
    if (graph.inputs.some((v) => v.name === name))
      throw invalid(`'${name}' is both an input and a constant`, name);
    define(name, 'a constant');
  }
  for (const node of graph.nodes) {
    for (const name of node.inputs) {
      if (name !== '' && !defined.has(name)) {
        throw invalid(`node '${node.name}' (${node.op}) reads '${name}' before it is defined`, name, node);
      }
    }
    for (const sub of subgraphs(node)) verifyGraph(sub, defined);
    for (const name of node.outputs) define(name, `node '${node.name}'`);
  }
  for (const o of graph.outputs) {
    if (!defined.has(o.name)) throw invalid(`graph output '${o.name}' is never defined`, o.name);
  }
}

function subgraphs(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of Object.values(node.attrs)) {
    if (a.kind === 'graph') out.push(a.value);
    if (a.kind === 'graphs') out.push(...a.value);
  }
  return out;
}

function invalid(message: string, value: string, node?: Node): NccError {
  return new NccError('NCC_INVALID_GRAPH', message, {
    value,
    ...(node ? { node: node.name, op: node.op } : {}),
    hint: 'the model file is malformed; re-export it',
  });
}
