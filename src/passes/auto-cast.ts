import { NccError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { float16BitsToFloat32, float32ArrayToBfloat16Bits, float32ToFloat16Bits } from '../ir/half.js';
import type { Tensor } from '../ir/tensor.js';
import type { AutoCast, HalfType } from '../options/auto-cast.js';
import { lookupOp } from '../ops/registry.js';

/**
 * The auto-cast pass: decides which float32 constants are stored in the 16-bit type and rounds
 * their values to it (nearest, ties to even), so the graph computes exactly what the kernels that
 * read the 16-bit copies compute. Which inputs qualify comes from each op's `autoCast` policy in the
 * op registry: a constant is cast when every node that reads it reads it as a weight. It runs after
 * the optimization passes, so weights are rounded once, after BatchNorm and friends are folded in.
 */
export interface AutoCastPlan {
  /** The graph with the cast constants' values rounded. */
  readonly graph: Graph;
  /** Constants (by name) whose kernels read a 16-bit copy. */
  readonly storage: ReadonlyMap<string, HalfType>;
  /** Constants a policy allowed but that stay float32, and why. */
  readonly kept: readonly { readonly name: string; readonly why: string }[];
}

const FLOAT16_MAX = 65504;

export function autoCastGraph(graph: Graph, autoCast: AutoCast): AutoCastPlan {
  if (autoCast.mode === 'none') return { graph, storage: new Map(), kept: [] };
  if (autoCast.mode === 'all')
    throw new NccError(
      'NCC_BAD_OPTION',
      '--auto-cast all (16-bit activations between kernels) is not implemented yet',
      {
        hint: 'use --auto-cast matmult: weights and embedding tables in 16 bits, activations float32',
      },
    );
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
  return { graph: { ...graph, initializers }, storage, kept };
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
