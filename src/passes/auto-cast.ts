import type { Graph } from '../ir/graph.js';
import { float16BitsToFloat32, float32ArrayToBfloat16Bits, float32ToFloat16Bits } from '../ir/half.js';
import type { Tensor } from '../ir/tensor.js';
import type { AutoCast, HalfType } from '../options/auto-cast.js';
import { lookupOp } from '../ops/registry.js';

/**
 * The auto-cast pass: decides which float32 data is stored in the 16-bit type. Constants ('matmult'
 * and 'all'): a constant is cast when every node that reads it reads it as a weight, and its values
 * are rounded to the type (nearest, ties to even), so the graph computes exactly what the kernels
 * that read the 16-bit copies compute. Activations ('all'): a value between kernels is stored in 16
 * bits when the op that writes it and every op that reads it allow it. What qualifies comes from each
 * op's `autoCast` policy in the op registry, never from op names here. It runs after the optimization
 * passes, so weights are rounded once (after BatchNorm and friends are folded in) and values inside
 * fused kernels stay in registers in float32.
 */
export interface AutoCastPlan {
  /** The graph with the cast constants' values rounded. */
  readonly graph: Graph;
  /** Constants (by name) whose kernels read a 16-bit copy. */
  readonly storage: ReadonlyMap<string, HalfType>;
  /** Activations (by value name) stored in the 16-bit type ('all'). */
  readonly activations: ReadonlyMap<string, HalfType>;
  /** Constants a policy allowed but that stay float32, and why. */
  readonly kept: readonly { readonly name: string; readonly why: string }[];
}

const FLOAT16_MAX = 65504;

export function autoCastGraph(graph: Graph, autoCast: AutoCast): AutoCastPlan {
  if (autoCast.mode === 'none') return { graph, storage: new Map(), activations: new Map(), kept: [] };
  const readers = new Map<string, boolean>();
  for (const node of graph.nodes) {
    const weights = lookupOp(node.domain, node.op)?.autoCast?.weights ?? [];
    node.inputs.forEach((name, i) => {
      if (name === '' || !graph.initializers.has(name)) return;
      readers.set(name, (readers.get(name) ?? true) && weights.includes(i));
    });
  }
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const storage = new Map<string, HalfType>();
  const kept: { name: string; why: string }[] = [];
  const initializers = new Map(graph.initializers);
  for (const [name, asWeight] of readers) {
    const t = graph.initializers.get(name)!;
    if (!asWeight || outputs.has(name) || t.dtype !== 'float32') continue;
    const data = t.data as Float32Array;
    if (autoCast.type === 'float16') {
      const big = data.findIndex((x) => Math.abs(x) > FLOAT16_MAX && Number.isFinite(x));
      if (big >= 0) {
        kept.push({ name, why: `value ${data[big]} is outside float16's range (${FLOAT16_MAX})` });
        continue;
      }
    }
    initializers.set(name, roundTo(t, autoCast.type));
    storage.set(name, autoCast.type);
  }
  const activations =
    autoCast.mode === 'all' ? castActivations(graph, autoCast.type) : new Map<string, HalfType>();
  return { graph: { ...graph, initializers }, storage, activations, kept };
}

/**
 * The float32 activations 'all' stores in `type`. Values that must stay float32: the graph's inputs
 * and outputs (their declared dtypes), and every value a node without an activations policy writes
 * or reads. A 'copy' node (views, copies) moves bits, so its float inputs and outputs are joined into
 * one group that is stored alike; a group holding a constant (its bits are float32) stays float32.
 */
export function castActivations(graph: Graph, type: HalfType): Map<string, HalfType> {
  const declared = new Map([...graph.inputs, ...graph.outputs].map((v) => [v.name, v.type.dtype]));
  const isFloat32 = (name: string): boolean =>
    (graph.initializers.get(name)?.dtype ?? graph.valueTypes.get(name)?.dtype ?? declared.get(name)) ===
    'float32';
  const group = new UnionFind();
  const pinned = new Set<string>([...graph.inputs, ...graph.outputs].map((v) => v.name));
  for (const node of graph.nodes) {
    const policy = lookupOp(node.domain, node.op)?.autoCast?.activations;
    const floats = [...node.inputs, ...node.outputs].filter((n) => n !== '' && isFloat32(n));
    if (!policy) for (const n of floats) pinned.add(n);
    else if (policy === 'copy') {
      for (const n of floats) {
        group.join(floats[0]!, n);
        if (graph.initializers.has(n)) pinned.add(n);
      }
    }
  }
  const pinnedGroups = new Set([...pinned].map((n) => group.find(n)));
  const activations = new Map<string, HalfType>();
  for (const node of graph.nodes) {
    for (const n of node.outputs) {
      if (n !== '' && isFloat32(n) && !pinnedGroups.has(group.find(n))) activations.set(n, type);
    }
  }
  return activations;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined; p = this.parent.get(root)) root = p;
    for (let y = x; y !== root;) {
      const next = this.parent.get(y)!;
      this.parent.set(y, root);
      y = next;
    }
    return root;
  }
  join(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/** The tensor's values rounded to `type` (still float32). */
export function roundTo(t: Tensor, type: HalfType): Tensor {
  const from = t.data as Float32Array;
  if (type === 'bfloat16') {
    // the bf16 bits are the top half of the rounded float32
    const bits = float32ArrayToBfloat16Bits(from);
    const wide = new Uint32Array(bits.length);
    for (let i = 0; i < bits.length; i++) wide[i] = bits[i]! << 16;
    return { ...t, data: new Float32Array(wide.buffer) };
  }
  const data = new Float32Array(from.length);
  for (let i = 0; i < from.length; i++) data[i] = float16BitsToFloat32(float32ToFloat16Bits(from[i]!));
  return { ...t, data };
}
