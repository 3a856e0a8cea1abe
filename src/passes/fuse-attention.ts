import type { Node } from '../ir/graph.js';
import type { TensorType } from '../ir/shape.js';
import { getNumber, sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import { attrsOf, opOf } from '../ops/node-context.js';
import { freshNames, indexOf, soleReader, withNodes, type Index } from './graph-index.js';
import type { GraphPass } from './pipeline.js';

/**
 * Attention matching: exporters write multi-head attention as
 *
 *   q, k, v [.., S, E] -> Reshape [.., S, H, D] -> Transpose to heads (k also to D x S)
 *   scores = MatMul(q * c1, k^T) * c2 [+ mask]      p = Softmax(scores, last axis)
 *   o = MatMul(p, v) -> Transpose back to [.., S, H, D] -> Reshape [.., S, E]
 *
 * (torch.nn.MultiheadAttention: sequence first, heads [H, S, D], batch 1; Hugging Face style: batch
 * first, heads [B, H, S, D]; scalings by Div or Mul on q or on the scores). The chain becomes one ONNX
 * Attention over 3-D [B, S, E] views of q, k and v (Reshapes, which cost nothing), with q_num_heads =
 * kv_num_heads = H and the scalings folded into `scale`: its kernels multiply heads on strided views,
 * so the five head transposes per layer (copies) and the scaling pass over q are gone, and softmax
 * runs on rows the GEMM just wrote. Every matched intermediate must be read only inside the pattern.
 * float32 only; a mask must already broadcast against the scores.
 */

interface Match {
  readonly nodes: readonly Node[];
  readonly q: Projection;
  readonly k: Projection;
  readonly v: Projection;
  readonly scale: number;
  readonly mask?: string;
  /** The final Reshape: its output keeps its name and shape. */
  readonly out: Node;
  readonly batch: number;
  readonly heads: number;
}

/** A projection [.., S, E] seen through its Reshape to heads and the Transposes after it. */
interface Projection {
  readonly x: string;
  readonly seq: number;
  readonly hidden: number;
  readonly nodes: readonly Node[];
}

/** Composition of transposes: applying `first` then `then` gives this permutation. */
function compose(first: readonly number[], then: readonly number[]): number[] {
  return then.map((p) => first[p]!);
}

const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function permOf(node: Node, rank: number): number[] {
  const perm = (attrsOf(node, opOf(node)) as { perm?: readonly number[] }).perm;
  return perm ? [...perm] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

function staticShape(ix: Index, v: string): readonly number[] | undefined {
  const s = ix.type(v)?.shape;
  return s && s.every((d): d is number => typeof d === 'number') ? s : undefined;
}

/** x of Div(x, c) or Mul(x, c) / Mul(c, x) for a constant scalar c, and the factor (1/c or c). */
function scaled(ix: Index, node: Node): { x: string; factor: number } | undefined {
  if (node.domain !== '' || (node.op !== 'Div' && node.op !== 'Mul') || node.inputs.length !== 2)
    return undefined;
  const scalar = (v: string): number | undefined => {
    const t = ix.graph.initializers.get(v);
    return t && sizeOf(t.shape) === 1 ? getNumber(t, 0) : undefined;
  };
  const [a, b] = node.inputs as [string, string];
  const cb = scalar(b);
  if (cb !== undefined) return { x: a, factor: node.op === 'Div' ? 1 / cb : cb };
  const ca = node.op === 'Mul' ? scalar(a) : undefined;
  return ca === undefined ? undefined : { x: b, factor: ca };
}

/**
 * Walks back from a heads operand through Transposes (composing them) to the Reshape that split the
 * heads; `want` is the permutation from the Reshape's layout ([S, H, D] or [B, S, H, D]) to the operand.
 */
function projection(ix: Index, v: string, want3: number[], want4: number[]): Projection | undefined {
  const nodes: Node[] = [];
  let perm: number[] | undefined;
  let at = v;
  for (;;) {
    const p = ix.producer.get(at);
    if (!p || p.domain !== '' || (ix.readers.get(at)?.length ?? 0) !== 1 || ix.outputs.has(at))
      return undefined;
    if (p.op === 'Transpose') {
      const rank = staticShape(ix, p.inputs[0]!)?.length ?? 0;
      const t = permOf(p, rank);
      perm = perm ? compose(t, perm) : t;
      nodes.push(p);
      at = p.inputs[0]!;
      continue;
    }
    if (p.op !== 'Reshape' || !perm) return undefined;
    const heads = staticShape(ix, at);
    const x = p.inputs[0]!;
    const xs = staticShape(ix, x);
    if (!heads || !xs || ix.type(x)?.dtype !== 'float32') return undefined;
    if (!same(perm, heads.length === 3 ? want3 : want4)) return undefined;
    nodes.push(p);
    const [seq, hidden] =
      heads.length === 3 ? [heads[0]!, heads[1]! * heads[2]!] : [heads[1]!, heads[2]! * heads[3]!];
    return { x, seq, hidden, nodes };
  }
}

function matchAt(ix: Index, softmax: Node): Match | undefined {
  if (softmax.op !== 'Softmax' || softmax.domain !== '') return undefined;
  const scoresIn = softmax.inputs[0]!;
  const shape = staticShape(ix, scoresIn);
  const a = attrsOf(softmax, opOf(softmax)) as { axis: number; coerce2d: number };
  if (!shape || (shape.length !== 3 && shape.length !== 4) || a.coerce2d) return undefined;
  if ((a.axis + shape.length) % shape.length !== shape.length - 1) return undefined;
  const nodes: Node[] = [softmax];
  let scale = 1;
  let mask: string | undefined;
  // back from the softmax: [Add mask] <- [Div/Mul c] <- MatMul
  let at = scoresIn;
  const step = (): Node | undefined => {
    const p = ix.producer.get(at);
    return p && p.domain === '' && (ix.readers.get(at)?.length ?? 0) === 1 && !ix.outputs.has(at)
      ? p
      : undefined;
  };
  let p = step();
  if (p?.op === 'Add') {
    // the scores side is the one a MatMul (maybe scaled) wrote; the other is the mask
    const fromScores = (x: string): boolean => {
      const w = ix.producer.get(x);
      return w?.op === 'MatMul' || (w !== undefined && scaled(ix, w) !== undefined);
    };
    const [x, y] = p.inputs as [string, string];
    const [from, m] = fromScores(x) ? [x, y] : fromScores(y) ? [y, x] : [undefined, undefined];
    const ms = m === undefined ? undefined : staticShape(ix, m);
    if (!from || !m || !ms || ms.length > shape.length || ix.type(m)?.dtype !== 'float32') return undefined;
    if (!ms.every((d, i) => d === 1 || d === shape[shape.length - ms.length + i])) return undefined;
    mask = m;
    nodes.push(p);
    at = from;
    p = step();
  }
  const after = p && scaled(ix, p);
  if (p && after) {
    scale *= after.factor;
    nodes.push(p);
    at = after.x;
    p = step();
  }
  if (p?.op !== 'MatMul') return undefined;
  const qk = p;
  nodes.push(qk);
  // q may be scaled before the product
  let qHeads = qk.inputs[0]!;
  const qp = ix.producer.get(qHeads);
  const before = qp && qp.domain === '' ? scaled(ix, qp) : undefined;
  if (qp && before && (ix.readers.get(qHeads)?.length ?? 0) === 1 && !ix.outputs.has(qHeads)) {
    scale *= before.factor;
    nodes.push(qp);
    qHeads = before.x;
  }
  const q = projection(ix, qHeads, [1, 0, 2], [0, 2, 1, 3]);
  const k = projection(ix, qk.inputs[1]!, [1, 2, 0], [0, 2, 3, 1]);
  // forward from the softmax: MatMul(p, v) -> Transposes -> Reshape
  const pv = soleReader(ix, softmax.outputs[0]!, ['MatMul']);
  if (!q || !k || !pv || pv.inputs[0] !== softmax.outputs[0]) return undefined;
  const v = projection(ix, pv.inputs[1]!, [1, 0, 2], [0, 2, 1, 3]);
  if (!v) return undefined;
  nodes.push(pv);
  let o = pv.outputs[0]!;
  let perm: number[] | undefined;
  for (
    let n = soleReader(ix, o, ['Transpose', 'Reshape']);
    n;
    n = soleReader(ix, o, ['Transpose', 'Reshape'])
  ) {
    if (n.op === 'Reshape') {
      const want = shape.length === 3 ? [1, 0, 2] : [0, 2, 1, 3];
      if (!perm || !same(perm, want)) return undefined;
      const heads = shape.length === 3 ? shape[0]! : shape[1]!;
      const batch = shape.length === 3 ? 1 : shape[0]!;
      return {
        nodes: [...nodes, ...q.nodes, ...k.nodes, ...v.nodes, n],
        q,
        k,
        v,
        scale,
        ...(mask ? { mask } : {}),
        out: n,
        batch,
        heads,
      };
    }
    const t = permOf(n, shape.length);
    perm = perm ? compose(perm, t) : t;
    nodes.push(n);
    o = n.outputs[0]!;
  }
  return undefined;
}

export const fuseAttention: GraphPass = (graph) => {
  const ix = indexOf(graph);
  const taken = new Set<Node>();
  const replaced = new Map<Node, Node[]>();
  const constants = new Map<string, Tensor>();
  const types = new Map<string, TensorType>();
  const fresh = freshNames(graph);
  for (const node of graph.nodes) {
    const m = matchAt(ix, node);
    if (!m || m.nodes.some((n) => taken.has(n))) continue;
    for (const n of m.nodes) taken.add(n);
    const stem = m.out.name;
    // q, k and v as [B, S, E]: a Reshape each (a view of the projection's bytes)
    const view = (p: Projection, tag: string): [Node, string] => {
      const shapeName = fresh(`${stem}_${tag}_shape`);
      constants.set(
        shapeName,
        tensor('int64', [3], BigInt64Array.from([m.batch, p.seq, p.hidden].map(BigInt))),
      );
      const out = fresh(`${stem}_${tag}_3d`);
      types.set(out, { dtype: 'float32', shape: [m.batch, p.seq, p.hidden] });
      return [
        {
          name: `${stem}_${tag}_3d`,
          op: 'Reshape',
          domain: '',
          inputs: [p.x, shapeName],
          outputs: [out],
          attrs: {},
        },
        out,
      ];
    };
    const [qn, q3] = view(m.q, 'q');
    const [kn, k3] = view(m.k, 'k');
    const [vn, v3] = view(m.v, 'v');
    const attended = fresh(`${stem}_attention`);
    types.set(attended, { dtype: 'float32', shape: [m.batch, m.q.seq, m.v.hidden] });
    const attention: Node = {
      name: `${stem}_attention`,
      op: 'Attention',
      domain: '',
      inputs: [q3, k3, v3, ...(m.mask ? [m.mask] : [])],
      outputs: [attended],
      attrs: {
        q_num_heads: { kind: 'int', value: m.heads },
        kv_num_heads: { kind: 'int', value: m.heads },
        scale: { kind: 'float', value: m.scale },
      },
    };
    const final: Node = { ...m.out, inputs: [attended, m.out.inputs[1]!] };
    replaced.set(m.out, [qn, kn, vn, attention, final]);
  }
  if (replaced.size === 0) return graph;
  const nodes = graph.nodes.flatMap((n) => replaced.get(n) ?? (taken.has(n) ? [] : [n]));
  return withNodes(graph, nodes, { constants, types });
};
