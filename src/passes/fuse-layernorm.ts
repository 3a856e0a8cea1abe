import type { Node } from '../ir/graph.js';
import { getNumber, sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import type { GraphPass } from './pipeline.js';
import { freshNames, indexOf, other, soleReader, withNodes, type Index } from './graph-index.js';

/**
 * LayerNorm matching: exporters decompose LayerNormalization (PyTorch before opset 17 always) into
 *
 *   mean = ReduceMean(x, axes)        d = Sub(x, mean)         v = ReduceMean(Pow(d, 2) | Mul(d, d), axes)
 *   n = Div(d, Sqrt(Add(v, eps)))     [y = Mul(n, gamma)]      [y = Add(y, beta)]
 *
 * over trailing axes (keepdims). The nine nodes become one LayerNormalization(x, gamma, beta)
 * {axis, epsilon}, whose kernel reads x twice and writes y once instead of materializing five
 * tensors. Every matched intermediate must be read only inside the pattern and not be a graph
 * output. gamma and beta must broadcast over the normalized axes alone (they are reshaped to them
 * when constant); a missing gamma becomes ones. float32 only.
 */

function scalarOf(ix: Index, v: string | undefined): number | undefined {
  const t = v === undefined ? undefined : ix.graph.initializers.get(v);
  return t && sizeOf(t.shape) === 1 && (t.dtype === 'float32' || t.dtype === 'float64')
    ? getNumber(t, 0)
    : undefined;
}

/** The first normalized axis of a ReduceMean over trailing axes with keepdims, or undefined. */
function trailingAxis(ix: Index, mean: Node, shape: readonly number[]): number | undefined {
  const axesT = mean.inputs[1] ? ix.graph.initializers.get(mean.inputs[1]) : undefined;
  const out = ix.type(mean.outputs[0]!)?.shape;
  if (!axesT || out?.length !== shape.length) return undefined;
  const r = shape.length;
  const axes = [...new Set(Array.from(axesT.data as ArrayLike<number | bigint>, (a) => (Number(a) + r) % r))];
  axes.sort((p, q) => p - q);
  const first = axes[0];
  if (first === undefined || !axes.every((a, i) => a === first + i) || axes[axes.length - 1] !== r - 1)
    return undefined;
  return first;
}

interface Match {
  readonly nodes: readonly Node[];
  readonly x: string;
  readonly axis: number;
  readonly epsilon: number;
  readonly output: string;
  readonly gamma?: string;
  readonly beta?: string;
}

function matchAt(ix: Index, mean: Node): Match | undefined {
  const x = mean.inputs[0]!;
  const xt = ix.type(x);
  const shape = xt?.shape;
  if (mean.op !== 'ReduceMean' || mean.domain !== '' || xt?.dtype !== 'float32') return undefined;
  if (!shape || !shape.every((d): d is number => typeof d === 'number')) return undefined;
  const axis = trailingAxis(ix, mean, shape);
  const sub = axis === undefined ? undefined : soleReader(ix, mean.outputs[0]!, ['Sub']);
  if (axis === undefined || !sub || sub.inputs[0] !== x || sub.inputs[1] !== mean.outputs[0])
    return undefined;
  const d = sub.outputs[0]!;
  const readers = ix.readers.get(d) ?? [];
  if (ix.outputs.has(d) || readers.length !== 2) return undefined;
  const square = readers.find(
    (n) =>
      (n.op === 'Pow' && n.inputs[0] === d && scalarOf(ix, n.inputs[1]) === 2) ||
      (n.op === 'Mul' && n.inputs[0] === d && n.inputs[1] === d),
  );
  const div = readers.find((n) => n.op === 'Div' && n.inputs[0] === d);
  if (!square || !div || square.domain !== '' || div.domain !== '') return undefined;
  const mean2 = soleReader(ix, square.outputs[0]!, ['ReduceMean']);
  if (!mean2 || trailingAxis(ix, mean2, shape) !== axis) return undefined;
  const add = soleReader(ix, mean2.outputs[0]!, ['Add']);
  const epsilon = add && scalarOf(ix, other(add, mean2.outputs[0]!));
  const sqrt = add && soleReader(ix, add.outputs[0]!, ['Sqrt']);
  if (
    epsilon === undefined ||
    !sqrt ||
    div.inputs[1] !== sqrt.outputs[0] ||
    soleReader(ix, sqrt.outputs[0]!, ['Div']) !== div
  )
    return undefined;
  const nodes = [mean, sub, square, mean2, add!, sqrt, div];
  let output = div.outputs[0]!;
  const scale = soleReader(ix, output, ['Mul']);
  const gamma = scale && other(scale, output);
  if (scale && gamma && paramShape(ix, gamma, shape, axis)) {
    nodes.push(scale);
    output = scale.outputs[0]!;
  }
  const shift = gamma ? soleReader(ix, output, ['Add']) : undefined;
  const beta = shift && other(shift, output);
  if (shift && beta && paramShape(ix, beta, shape, axis)) {
    nodes.push(shift);
    output = shift.outputs[0]!;
  }
  return {
    nodes,
    x,
    axis,
    epsilon,
    output,
    ...(nodes.includes(scale!) ? { gamma: gamma! } : {}),
    ...(nodes.includes(shift!) ? { beta: beta! } : {}),
  };
}

/** The normalized-axes shape of a float32 parameter that broadcasts only along them, if it does. */
function paramShape(
  ix: Index,
  v: string,
  shape: readonly number[],
  axis: number,
): readonly number[] | undefined {
  const t = ix.type(v);
  const p = t?.shape;
  if (
    t?.dtype !== 'float32' ||
    !p ||
    !p.every((d): d is number => typeof d === 'number') ||
    p.length > shape.length
  ) {
    return undefined;
  }
  const lead = shape.length - p.length;
  const norm = shape.slice(axis);
  for (let i = 0; i < p.length; i++) {
    const d = lead + i;
    if (d < axis ? p[i] !== 1 : p[i] !== 1 && p[i] !== shape[d]) return undefined;
  }
  // the op wants a parameter of at most the normalized rank: drop leading ones (a constant is reshaped)
  const trimmed = p.slice(Math.max(0, p.length - norm.length));
  if (trimmed.length !== p.length && !ix.graph.initializers.has(v)) return undefined;
  return trimmed;
}

export const fuseLayerNorm: GraphPass = (graph) => {
  const ix = indexOf(graph);
  const taken = new Set<Node>();
  const replaced = new Map<Node, Node>();
  const constants = new Map<string, Tensor>();
  const fresh = freshNames(graph);
  for (const node of graph.nodes) {
    if (taken.has(node)) continue;
    const m = matchAt(ix, node);
    if (!m || m.nodes.some((n) => taken.has(n))) continue;
    for (const n of m.nodes) taken.add(n);
    const shape = ix.type(m.x)!.shape as number[];
    const param = (v: string | undefined, fill: number, hint: string): string => {
      const norm = shape.slice(m.axis);
      if (v === undefined) {
        const name = fresh(hint);
        constants.set(name, tensor('float32', norm, new Float32Array(sizeOf(norm)).fill(fill)));
        return name;
      }
      const t = graph.initializers.get(v);
      const want = paramShape(ix, v, shape, m.axis)!;
      if (!t || t.shape.length === want.length) return v;
      const name = fresh(`${v}_reshaped`);
      constants.set(name, { ...t, shape: [...want] });
      return name;
    };
    const last = m.nodes[m.nodes.length - 1]!;
    const inputs = [
      m.x,
      param(m.gamma, 1, `${last.name}_scale`),
      ...(m.beta ? [param(m.beta, 0, `${last.name}_bias`)] : []),
    ];
    replaced.set(last, {
      name: last.name,
      op: 'LayerNormalization',
      domain: '',
      inputs,
      outputs: [m.output],
      attrs: { axis: { kind: 'int', value: m.axis }, epsilon: { kind: 'float', value: m.epsilon } },
    });
  }
  if (replaced.size === 0) return graph;
  const nodes = graph.nodes.flatMap((n) => (replaced.has(n) ? [replaced.get(n)!] : taken.has(n) ? [] : [n]));
  return withNodes(graph, nodes, { constants });
};
