import type { AttrValue, Graph, Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { valuesRead } from '../ir/graph.js';
import { FUSED_DOMAIN } from '../ops/linalg/fused.js';
import type { ActivationName } from '../ops/linalg/fused-activation.js';
import { matchActivation } from './fuse-epilogue-activation.js';
import { canFold, fold, type Affine } from './fuse-epilogue-fold.js';
import { attrsOfNode, GraphIndex, matchAffine, matchResidual, type Site } from './fuse-epilogue-match.js';
import type { GraphPass } from './pipeline.js';

/**
 * Epilogue fusion: a Conv, Gemm or MatMul and the single-consumer chain after it become one
 * ai.neuron::Fused{Conv,Gemm,MatMul} node whose kernel applies the chain to its accumulators before
 * the store (src/ops/linalg/fused.ts):
 *
 *   op  ->  [BatchNorm | Mul/Div/Add/Sub by a per-channel constant]*  ->  [Add residual]
 *       ->  [Add per-channel constant]*  ->  [activation]
 *
 * The affine steps fold into the weights and bias at compile time (a scale needs constant weights, a
 * shift a constant or absent bias). A value the chain consumes must be read only by the chain and
 * must not be a graph output; the fused node takes the place of the chain's last node, so a residual
 * computed in between is ready. float32 with static shapes only: other graphs pass unchanged.
 */
export const fuseEpilogue: GraphPass = (graph) => {
  const ix = new GraphIndex(graph);
  const names = new Set([...graph.initializers.keys(), ...graph.inputs.map((v) => v.name)]);
  for (const n of graph.nodes) for (const o of n.outputs) names.add(o);
  const fresh = (hint: string): string => {
    let name = hint;
    for (let i = 1; names.has(name); i++) name = `${hint}_${i}`;
    names.add(name);
    return name;
  };
  const replaced = new Map<Node, Node>();
  const constants = new Map<string, Tensor>();
  for (const node of graph.nodes) {
    if (ix.taken.has(node)) continue;
    const site = siteOf(ix, node);
    const chain = site && matchChain(ix, node, site);
    if (!chain) continue;
    const fused = fusedNode(ix, node, chain, fresh, constants);
    for (const n of chain.nodes) ix.taken.add(n);
    ix.taken.add(node);
    replaced.set(chain.nodes[chain.nodes.length - 1]!, fused);
  }
  if (replaced.size === 0) return graph;
  const nodes: Node[] = [];
  for (const n of graph.nodes) {
    const r = replaced.get(n);
    if (r) nodes.push(r);
    else if (!ix.taken.has(n)) nodes.push(n);
  }
  return prune({ ...graph, nodes, initializers: new Map([...graph.initializers, ...constants]) });
};

/** A float32 Conv/Gemm/MatMul of static shape, and its channel axis. */
function siteOf(ix: GraphIndex, node: Node): Site | undefined {
  if (node.domain !== '' || !['Conv', 'Gemm', 'MatMul'].includes(node.op) || node.outputs.length !== 1)
    return undefined;
  const t = ix.type(node.outputs[0]!);
  const shape = t?.shape;
  if (t?.dtype !== 'float32' || !shape || !shape.every((d): d is number => typeof d === 'number'))
    return undefined;
  if (node.op === 'Conv') {
    const layout = (attrsOfNode(node) as { layout: string }).layout;
    return { shape, axis: layout === 'NHWC' ? shape.length - 1 : 1 };
  }
  // MatMul with a 1-D B has no column axis
  const b = ix.type(node.inputs[1]!);
  if (node.op === 'MatMul' && (b?.shape?.length ?? 0) < 2) return undefined;
  return { shape, axis: shape.length - 1 };
}

interface Chain {
  readonly nodes: readonly Node[];
  readonly output: string;
  readonly affine: Affine;
  readonly residual?: string;
  readonly activation?: { readonly name: ActivationName; readonly params: readonly number[] };
}

function compose(a: Affine, b: Affine, channels: number): Affine {
  const s = (x: Affine, c: number): number => x.scale?.[c] ?? 1;
  const t = (x: Affine, c: number): number => x.shift?.[c] ?? 0;
  const scale =
    a.scale || b.scale ? Float64Array.from({ length: channels }, (_, c) => s(a, c) * s(b, c)) : undefined;
  const shift =
    a.shift || b.shift
      ? Float64Array.from({ length: channels }, (_, c) => t(a, c) * s(b, c) + t(b, c))
      : undefined;
  return { ...(scale ? { scale } : {}), ...(shift ? { shift } : {}) };
}

function matchChain(ix: GraphIndex, anchor: Node, site: Site): Chain | undefined {
  const channels = site.shape[site.axis]!;
  const nodes: Node[] = [];
  let v = anchor.outputs[0]!;
  let affine: Affine = {};
  let residual: string | undefined;
  for (;;) {
    const step = matchAffine(ix, v, site);
    // after a residual only shifts commute with it (they join the bias); nothing follows an activation
    if (step && !(residual && step.scale)) {
      const next = compose(affine, step, channels);
      if (canFold(ix, anchor, next)) {
        affine = next;
        nodes.push(step.node);
        v = step.node.outputs[0]!;
        continue;
      }
    }
    const res = residual ? undefined : matchResidual(ix, v, site);
    if (res) {
      residual = res.residual;
      nodes.push(res.node);
      v = res.node.outputs[0]!;
      continue;
    }
    const act = matchActivation(ix, v, site);
    if (act) {
      nodes.push(...act.nodes);
      const activation = { name: act.name, params: act.params };
      return { nodes, output: act.output, affine, ...(residual ? { residual } : {}), activation };
    }
    break;
  }
  return nodes.length ? { nodes, output: v, affine, ...(residual ? { residual } : {}) } : undefined;
}

function fusedNode(
  ix: GraphIndex,
  anchor: Node,
  chain: Chain,
  fresh: (hint: string) => string,
  constants: Map<string, Tensor>,
): Node {
  const folded = chain.affine.scale || chain.affine.shift ? fold(ix, anchor, chain.affine, fresh) : undefined;
  for (const [name, t] of folded?.constants ?? []) constants.set(name, t);
  const own = folded?.inputs ?? anchor.inputs;
  const inputs = [...own];
  if (chain.residual) {
    while (inputs.length < 3) inputs.push('');
    inputs.push(chain.residual);
  }
  const attrs: Record<string, AttrValue> = { ...(folded?.attrs ?? anchor.attrs) };
  if (chain.activation) {
    attrs.activation = { kind: 'string', value: chain.activation.name };
    if (chain.activation.params.length)
      attrs.activation_params = { kind: 'floats', value: [...chain.activation.params] };
  }
  // a Conv or Gemm that only absorbed constants stays what it was
  const plain = !chain.residual && !chain.activation && anchor.op !== 'MatMul';
  return {
    name: anchor.name,
    op: plain ? anchor.op : `Fused${anchor.op}`,
    domain: plain ? '' : FUSED_DOMAIN,
    inputs,
    outputs: [chain.output],
    attrs,
  };
}

/** Drops constants nothing reads any more and the types of values that no longer exist. */
function prune(graph: Graph): Graph {
  const live = new Set(graph.outputs.map((o) => o.name));
  for (const n of graph.nodes) {
    for (const v of valuesRead(n)) live.add(v);
    for (const v of n.outputs) live.add(v);
  }
  const initializers = new Map([...graph.initializers].filter(([name]) => live.has(name)));
  const valueTypes = new Map([...graph.valueTypes].filter(([name]) => live.has(name)));
  return { ...graph, initializers, valueTypes };
}
