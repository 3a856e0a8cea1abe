import type { AttrValue, Graph, Node } from './graph.js';
import type { TensorType } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * The readable text form of the IR, used by tests and `--dump-ir`:
 *
 *   graph mlp(x: float32[batch,4]) -> (y: float32[batch,2]) {
 *     const w: float32[4,2]
 *     y = Gemm(x, w) {transB=0} : float32[batch,2]
 *   }
 */
export function printGraph(graph: Graph, indent = ''): string {
  const types = (name: string): TensorType | undefined => {
    const init = graph.initializers.get(name);
    if (init) return { dtype: init.dtype, shape: init.shape };
    return graph.valueTypes.get(name) ?? graph.inputs.find((v) => v.name === name)?.type;
  };
  const lines: string[] = [];
  const ins = graph.inputs.map((v) => `${v.name}: ${printType(v.type)}`).join(', ');
  const outs = graph.outputs.map((v) => `${v.name}: ${printType(v.type)}`).join(', ');
  lines.push(`${indent}graph ${graph.name || 'main'}(${ins}) -> (${outs}) {`);
  for (const [name, t] of [...graph.initializers].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${indent}  const ${name}: ${printType({ dtype: t.dtype, shape: t.shape })}${smallValue(t)}`);
  }
  for (const node of graph.nodes) lines.push(...printNode(node, types, `${indent}  `));
  lines.push(`${indent}}`);
  return lines.join('\n');
}

function printNode(node: Node, types: (name: string) => TensorType | undefined, indent: string): string[] {
  const op = node.domain ? `${node.domain}::${node.op}` : node.op;
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v.kind !== 'graph' && v.kind !== 'graphs')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${printAttr(v)}`);
  const outTypes = node.outputs.map((n) => {
    const t = n === '' ? undefined : types(n);
    return t ? printType(t) : '?';
  });
  const head =
    `${indent}${node.outputs.map((n) => n || '_').join(', ')} = ${op}(${node.inputs.map((n) => n || '_').join(', ')})` +
    `${attrs.length ? ` {${attrs.join(', ')}}` : ''} : ${outTypes.join(', ')}`;
  const lines = [head];
  for (const [k, v] of Object.entries(node.attrs)) {
    const graphs = v.kind === 'graph' ? [v.value] : v.kind === 'graphs' ? v.value : [];
    for (const g of graphs) lines.push(`${indent}  ${k}:`, printGraph(g, `${indent}    `));
  }
  return lines;
}

export function printType(t: TensorType): string {
  return `${t.dtype}${t.shape ? `[${t.shape.join(',')}]` : '[?]'}`;
}

function printAttr(v: AttrValue): string {
  switch (v.kind) {
    case 'int':
    case 'float':
      return String(v.value);
    case 'string':
      return JSON.stringify(v.value);
    case 'ints':
    case 'floats':
      return `[${v.value.join(',')}]`;
    case 'strings':
      return `[${v.value.map((s) => JSON.stringify(s)).join(',')}]`;
    case 'tensor':
      return `tensor<${printType({ dtype: v.value.dtype, shape: v.value.shape })}>${smallValue(v.value)}`;
    case 'tensors':
      return `[${v.value.length} tensors]`;
    case 'graph':
    case 'graphs':
      return '<graph>';
  }
}

/** Small constants (shapes, axes, scalars) print their values: they decide what passes do. */
function smallValue(t: Tensor): string {
  if (t.data.length > 8) return '';
  return ` = [${Array.from(t.data as ArrayLike<number | bigint>, (x) => String(x)).join(',')}]`;
}
