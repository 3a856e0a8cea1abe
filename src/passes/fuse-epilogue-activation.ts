import type { Node } from '../ir/graph.js';
import {
  attrsOfNode,
  keepsShape,
  otherInput,
  type ActivationStep,
  type GraphIndex,
  type Site,
} from './fuse-epilogue-match.js';

/**
 * The activation that ends a fused chain: one ONNX activation op reading the value, or the
 * multi-node forms exporters write for SiLU (x * Sigmoid(x)) and erf GELU (0.5 * x * (1 + erf(x /
 * sqrt2)), in its three usual associations).
 */
export function matchActivation(ix: GraphIndex, v: string, site: Site): ActivationStep | undefined {
  const n = ix.sole(v);
  if (n) return n.inputs[0] === v && keepsShape(ix, n, site) ? single(ix, n) : undefined;
  return silu(ix, v, site) ?? gelu(ix, v, site);
}

function step(
  nodes: readonly Node[],
  name: ActivationStep['name'],
  params: readonly number[] = [],
): ActivationStep {
  return { nodes, output: nodes[nodes.length - 1]!.outputs[0]!, name, params };
}

function single(ix: GraphIndex, n: Node): ActivationStep | undefined {
  const a = attrsOfNode(n) as Record<string, unknown>;
  switch (n.op) {
    case 'Relu':
      return step([n], 'relu');
    case 'Sigmoid':
      return step([n], 'sigmoid');
    case 'Tanh':
      return step([n], 'tanh');
    case 'HardSwish':
      return step([n], 'hardswish');
    case 'LeakyRelu':
      return step([n], 'leakyrelu', [a.alpha as number]);
    case 'HardSigmoid':
      return step([n], 'hardsigmoid', [a.alpha as number, a.beta as number]);
    case 'Gelu':
      return step([n], a.approximate === 'tanh' ? 'gelu_tanh' : 'gelu');
    case 'Swish':
      return a.alpha === 1 ? step([n], 'silu') : undefined;
    case 'Clip': {
      // bounds must be known now: absent ('' or missing) or a constant scalar
      const bound = (i: number, absent: number): number | undefined => {
        const name = n.inputs[i];
        if (name === undefined || name === '') return absent;
        const t = ix.constant(name);
        return t && t.data.length === 1 ? Number(t.data[0]) : undefined;
      };
      const lo = bound(1, -Infinity);
      const hi = bound(2, Infinity);
      return lo === undefined || hi === undefined ? undefined : step([n], 'clip', [lo, hi]);
    }
    default:
      return undefined;
  }
}

/** The consumers of v, when they are exactly two free nodes of the default domain. */
function pair(ix: GraphIndex, v: string): [Node, Node] | undefined {
  if (ix.isOutput(v)) return undefined;
  const c = ix.consumers(v);
  if (c.length !== 2 || c.some((n) => ix.taken.has(n) || n.domain !== '')) return undefined;
  return [c[0]!, c[1]!];
}

/** x * Sigmoid(x). */
function silu(ix: GraphIndex, v: string, site: Site): ActivationStep | undefined {
  const c = pair(ix, v);
  const sig = c?.find((n) => n.op === 'Sigmoid' && n.inputs[0] === v);
  const mul = c?.find((n) => n !== sig);
  if (!sig || !mul || mul.op !== 'Mul' || ix.sole(sig.outputs[0]!) !== mul) return undefined;
  if (otherInput(mul, v) !== sig.outputs[0] || !keepsShape(ix, mul, site)) return undefined;
  return step([sig, mul], 'silu');
}

const near = (x: number | undefined, want: number): boolean =>
  x !== undefined && Math.abs(x - want) <= 1e-6 * want;

/** The node multiplying `v` by constant `k` (either operand order). */
function timesConstant(ix: GraphIndex, n: Node | undefined, v: string, k: number): boolean {
  if (!n || n.op !== 'Mul') return false;
  const other = otherInput(n, v);
  return other !== undefined && near(ix.scalar(other), k);
}

/** 0.5 * x * (1 + erf(x / sqrt2)): (x*p)*0.5, (x*0.5)*p or x*(p*0.5), p = 1 + erf(x/sqrt2). */
function gelu(ix: GraphIndex, v: string, site: Site): ActivationStep | undefined {
  const c = pair(ix, v);
  if (!c) return undefined;
  const isScale = (n: Node): boolean =>
    (n.op === 'Div' && n.inputs[0] === v && near(ix.scalar(n.inputs[1] ?? ''), Math.SQRT2)) ||
    timesConstant(ix, n, v, Math.SQRT1_2);
  const scale = c.find(isScale);
  const other = c.find((n) => n !== scale);
  if (!scale || !other || other.op !== 'Mul') return undefined;
  const erf = ix.sole(scale.outputs[0]!);
  if (erf?.op !== 'Erf') return undefined;
  const add = ix.sole(erf.outputs[0]!);
  if (!add || add.op !== 'Add' || !near(ix.scalar(otherInput(add, erf.outputs[0]!) ?? ''), 1))
    return undefined;
  const p = add.outputs[0]!;
  const m1 = ix.sole(p);
  if (!m1 || m1.op !== 'Mul') return undefined;
  let tail: Node[] | undefined;
  if (m1 === other && otherInput(m1, p) === v) {
    const half = ix.sole(m1.outputs[0]!);
    if (timesConstant(ix, half, m1.outputs[0]!, 0.5)) tail = [m1, half!];
  } else if (
    timesConstant(ix, other, v, 0.5) &&
    ix.sole(other.outputs[0]!) === m1 &&
    otherInput(m1, p) === other.outputs[0]
  ) {
    tail = [other, m1];
  } else if (
    timesConstant(ix, m1, p, 0.5) &&
    ix.sole(m1.outputs[0]!) === other &&
    otherInput(other, v) === m1.outputs[0]
  ) {
    tail = [m1, other];
  }
  if (!tail || !keepsShape(ix, tail[1]!, site)) return undefined;
  return step([scale, erf, add, ...tail], 'gelu');
}
