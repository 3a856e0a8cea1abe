import { valuesRead, type Graph, type Node } from '../ir/graph.js';
import type { TensorType } from '../ir/shape.js';
import { sizeOf, toFloat32, type Tensor } from '../ir/tensor.js';
import { lookupOp } from '../ops/all.js';
import { parseAttrs, type ParsedAttrs, type AttrSchema } from '../ops/attributes.js';
import type { ActivationName } from '../ops/linalg/fused-activation.js';

/**
 * Pattern matching for epilogue fusion: what follows a Conv/Gemm/MatMul output, step by step, as
 * long as every intermediate value is read only by the pattern and is not a graph output.
 *   affine      BatchNormalization (inference), Mul/Div by or Add/Sub of a constant per-channel
 *               vector: y*scale + shift per output channel
 *   residual    Add of a tensor of the output's shape
 *   activation  Relu, Clip (constant bounds), LeakyRelu, Sigmoid, x*Sigmoid(x), Tanh, HardSigmoid,
 *               HardSwish, Gelu, 0.5*x*(1+erf(x/sqrt2))
 */

/** Facts about the graph the matcher asks for. */
export class GraphIndex {
  private readonly readers = new Map<string, Node[]>();
  private readonly outputs: Set<string>;
  /** Nodes already taken by a fusion: a later chain must not take them again. */
  readonly taken = new Set<Node>();

  constructor(readonly graph: Graph) {
    for (const n of graph.nodes) {
      for (const v of new Set(valuesRead(n))) this.readers.set(v, [...(this.readers.get(v) ?? []), n]);
    }
    this.outputs = new Set(graph.outputs.map((o) => o.name));
  }

  consumers(v: string): readonly Node[] {
    return this.readers.get(v) ?? [];
  }

  isOutput(v: string): boolean {
    return this.outputs.has(v);
  }

  constant(v: string): Tensor | undefined {
    return this.graph.initializers.get(v);
  }

  type(v: string): TensorType | undefined {
    const c = this.constant(v);
    if (c) return { dtype: c.dtype, shape: c.shape };
    return this.graph.inputs.find((i) => i.name === v)?.type ?? this.graph.valueTypes.get(v);
  }

  /** The one node reading `v` (an intermediate: not a graph output), if it is free to take. */
  sole(v: string): Node | undefined {
    if (this.isOutput(v)) return undefined;
    const c = this.consumers(v);
    return c.length === 1 && !this.taken.has(c[0]!) && c[0]!.domain === '' ? c[0] : undefined;
  }

  /** A float32 constant's single value. */
  scalar(v: string): number | undefined {
    const t = this.constant(v);
    return t && sizeOf(t.shape) === 1 && t.dtype === 'float32' ? toFloat32(t)[0] : undefined;
  }
}

/** The output a chain works on: its static shape and the axis of its channels. */
export interface Site {
  readonly shape: readonly number[];
  readonly axis: number;
}

export function attrsOfNode(node: Node): ParsedAttrs<AttrSchema> {
  const def = lookupOp(node.domain, node.op);
  if (!def) throw new Error(`no op ${node.op}`);
  return parseAttrs(def.attrs, node.attrs);
}

/** A constant that broadcasts along the channel axis only (or is a scalar): its per-channel values. */
export function perChannel(ix: GraphIndex, v: string, site: Site): Float64Array | undefined {
  const t = ix.constant(v);
  if (!t || t.dtype !== 'float32' || t.shape.length > site.shape.length) return undefined;
  const lead = site.shape.length - t.shape.length;
  const channels = site.shape[site.axis]!;
  for (let i = 0; i < t.shape.length; i++) {
    const d = t.shape[i]!;
    if (d !== 1 && !(lead + i === site.axis && d === channels)) return undefined;
  }
  const data = toFloat32(t);
  return Float64Array.from({ length: channels }, (_, c) => data[data.length === 1 ? 0 : c]!);
}

/** The other input of a two-input node that reads `v`, if `v` is one of them exactly once. */
export function otherInput(n: Node, v: string): string | undefined {
  if (n.inputs.length !== 2) return undefined;
  const [a, b] = n.inputs as [string, string];
  if (a === v && b !== v) return b;
  if (b === v && a !== v) return a;
  return undefined;
}

/** Output type equals the site's (no broadcast grew it, float32). */
export function keepsShape(ix: GraphIndex, n: Node, site: Site): boolean {
  const t = ix.type(n.outputs[0] ?? '');
  return (
    n.outputs.length === 1 &&
    t?.dtype === 'float32' &&
    t.shape?.length === site.shape.length &&
    t.shape.every((d, i) => d === site.shape[i])
  );
}

export interface AffineStep {
  readonly node: Node;
  readonly scale?: Float64Array;
  readonly shift?: Float64Array;
}

/** y*scale + shift per channel: BatchNormalization or an arithmetic op with a per-channel constant. */
export function matchAffine(ix: GraphIndex, v: string, site: Site): AffineStep | undefined {
  const n = ix.sole(v);
  if (!n || !keepsShape(ix, n, site)) return undefined;
  if (n.op === 'BatchNormalization') return batchNorm(ix, n, v, site);
  const other = otherInput(n, v);
  const k = other === undefined ? undefined : perChannel(ix, other, site);
  if (!k) return undefined;
  switch (n.op) {
    case 'Mul':
      return { node: n, scale: k };
    case 'Add':
      return { node: n, shift: k };
    case 'Div':
      return n.inputs[0] === v ? { node: n, scale: k.map((x) => 1 / x) } : undefined;
    case 'Sub':
      return n.inputs[0] === v ? { node: n, shift: k.map((x) => -x) } : undefined;
    default:
      return undefined;
  }
}

function batchNorm(ix: GraphIndex, n: Node, v: string, site: Site): AffineStep | undefined {
  const a = attrsOfNode(n) as { epsilon: number; training_mode: number; layout: string };
  const axis = a.layout === 'NHWC' ? site.shape.length - 1 : 1;
  if (n.inputs[0] !== v || a.training_mode || n.outputs.length !== 1 || axis !== site.axis) return undefined;
  const C = site.shape[site.axis]!;
  const params = n.inputs.slice(1).map((p) => ix.constant(p));
  if (params.length !== 4 || params.some((p) => !p || p.data.length !== C)) return undefined;
  const [scale, bias, mean, variance] = params.map((p) => toFloat32(p!)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const s = Float64Array.from({ length: C }, (_, c) => scale[c]! / Math.sqrt(variance[c]! + a.epsilon));
  return {
    node: n,
    scale: s,
    shift: Float64Array.from({ length: C }, (_, c) => bias[c]! - mean[c]! * s[c]!),
  };
}

/** Add of a tensor of the output's shape (not a per-channel constant: that is a shift). */
export function matchResidual(
  ix: GraphIndex,
  v: string,
  site: Site,
): { node: Node; residual: string } | undefined {
  const n = ix.sole(v);
  if (!n || n.op !== 'Add' || !keepsShape(ix, n, site)) return undefined;
  const r = otherInput(n, v);
  const t = r === undefined ? undefined : ix.type(r);
  const same =
    t?.dtype === 'float32' &&
    t.shape?.length === site.shape.length &&
    t.shape.every((d, i) => d === site.shape[i]);
  return same ? { node: n, residual: r! } : undefined;
}

export interface ActivationStep {
  readonly nodes: readonly Node[];
  readonly output: string;
  readonly name: ActivationName;
  readonly params: readonly number[];
}
