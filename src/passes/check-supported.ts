import type { Graph, Node } from '../ir/graph.js';
import { NccError } from '../errors.js';
import { lookupOp } from '../ops/registry.js';
import { qualifiedOp } from '../ops/node-context.js';

/** Every op type of the graph (and its subgraphs) that the registry lacks, with the nodes using it. */
export function unsupportedOps(graph: Graph): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  const visit = (g: Graph): void => {
    for (const node of g.nodes) {
      if (!lookupOp(node.domain, node.op)) {
        const key = qualifiedOp(node);
        missing.set(key, [...(missing.get(key) ?? []), node.name]);
      }
      for (const sub of subgraphsOf(node)) visit(sub);
    }
  };
  visit(graph);
  return missing;
}

function subgraphsOf(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of Object.values(node.attrs)) {
    if (a.kind === 'graph') out.push(a.value);
    if (a.kind === 'graphs') out.push(...a.value);
  }
  return out;
}

/** Fails with one NCC_UNSUPPORTED_OP error that lists every unsupported op type at once. */
export function checkSupported(graph: Graph, file?: string): void {
  const missing = unsupportedOps(graph);
  if (missing.size === 0) return;
  throw unsupportedOpsError(missing, {
    what: 'unsupported ops',
    ...(file ? { file } : {}),
    hint: 'run `neuron-cc list-operators --framework onnx` for the supported set',
  });
}

/** The NCC_UNSUPPORTED_OP error naming each op type and up to three of its nodes (every frontend's form). */
export function unsupportedOpsError(
  missing: ReadonlyMap<string, readonly string[]>,
  { what, file, hint }: { what: string; file?: string; hint: string },
): NccError {
  const list = [...missing].map(([op, nodes]) => {
    const shown = nodes
      .slice(0, 3)
      .map((n) => `'${n}'`)
      .join(', ');
    return `${op} (${nodes.length} node${nodes.length > 1 ? 's' : ''}: ${shown}${nodes.length > 3 ? ', ...' : ''})`;
  });
  return new NccError('NCC_UNSUPPORTED_OP', `${what}: ${list.join('; ')}`, {
    op: [...missing.keys()].join(','),
    ...(file ? { file } : {}),
    hint,
  });
}
