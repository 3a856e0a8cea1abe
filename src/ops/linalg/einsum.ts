import { isStaticShape } from '../../ir/shape.js';
import { stridesOf, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats } from '../support/float.js';
import { floatResult } from './float-io.js';
import { gemm, view } from './gemm-kernel.js';
import { labelSizes, parseEinsum } from './einsum-parse.js';

/**
 * General Einsum: each operand first takes its diagonals (repeated subscripts) and sums out the
 * subscripts nobody else needs; operands are then contracted left to right, each pair as one
 * batched GEMM ([batch, left, contracted] @ [batch, contracted, right]). Values are float64.
 */
interface Labeled {
  readonly data: Float64Array;
  readonly shape: readonly number[];
  readonly labels: readonly number[];
}

/** out[idx] = data[sum idx_k * strides_k]: permutations, diagonals and broadcasts in one loop. */
function gather(data: Float64Array, outShape: readonly number[], strides: readonly number[]): Float64Array {
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  if (n === 0) return out;
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < n; o++) {
    out[o] = data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * t re-laid out with exactly `labels` (each present in t), in that order, broadcast to `sizes`.
 * Repeated labels in t collapse to their diagonal (their strides add up).
 */
function arrange(t: Labeled, labels: readonly number[], sizes: Map<number, number>): Labeled {
  const inStrides = stridesOf(t.shape);
  const strides = labels.map((l) => {
    let s = 0;
    let size = 1;
    t.labels.forEach((tl, k) => {
      if (tl === l) {
        s += inStrides[k]!;
        size = t.shape[k]!;
      }
    });
    return size === 1 ? 0 : s;
  });
  const shape = labels.map((l) => sizes.get(l)!);
  return { data: gather(t.data, shape, strides), shape, labels };
}

/** Sums out every label of t not in `keep` (t has unique labels). */
function reduceTo(t: Labeled, keep: (l: number) => boolean, sizes: Map<number, number>): Labeled {
  const kept = t.labels.filter(keep);
  if (kept.length === t.labels.length) return t;
  const summed = t.labels.filter((l) => !keep(l));
  const a = arrange(t, [...kept, ...summed], sizes);
  const inner = summed.reduce((p, l) => p * sizes.get(l)!, 1);
  const outer = a.data.length / Math.max(1, inner);
  const data = new Float64Array(kept.reduce((p, l) => p * sizes.get(l)!, 1));
  if (inner > 0) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      for (let i = o * inner; i < (o + 1) * inner; i++) s += a.data[i]!;
      data[o] = s;
    }
  }
  return { data, shape: kept.map((l) => sizes.get(l)!), labels: kept };
}

function contract(a: Labeled, b: Labeled, later: Set<number>, sizes: Map<number, number>): Labeled {
  const inA = new Set(a.labels);
  const inB = new Set(b.labels);
  const batch = a.labels.filter((l) => inB.has(l) && later.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !later.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !inA.has(l));
  const A = arrange(a, [...batch, ...left, ...summed], sizes);
  const B = arrange(b, [...batch, ...summed, ...right], sizes);
  const prod = (ls: number[]) => ls.reduce((p, l) => p * sizes.get(l)!, 1);
  const [T, M, K, N] = [prod(batch), prod(left), prod(summed), prod(right)];
  const data = new Float64Array(T * M * N);
  for (let t = 0; t < T; t++)
    gemm(M, N, K, view(A.data, t * M * K, K), view(B.data, t * K * N, N), view(data, t * M * N, N));
  const labels = [...batch, ...left, ...right];
  return { data, shape: labels.map((l) => sizes.get(l)!), labels };
}

function unique(ls: readonly number[]): number[] {
  return [...new Set(ls)];
}

export function einsumValues(
  equation: string,
  operands: readonly Tensor[],
): { shape: number[]; data: Float64Array } {
  const spec = parseEinsum(
    equation,
    operands.map((t) => t.shape.length),
  );
  const sizes = labelSizes(
    spec,
    operands.map((t) => t.shape),
  ) as Map<number, number>;
  const output = spec.output;
  const ops: Labeled[] = operands.map((t, i) => {
    const raw = decodeFloats(t);
    const data = raw instanceof Float64Array ? raw : Float64Array.from(raw);
    const labeled = { data, shape: t.shape, labels: spec.inputs[i]! };
    return arrange(labeled, unique(labeled.labels), sizes);
  });
  const neededAfter = (i: number) => new Set([...output, ...spec.inputs.slice(i + 1).flat()]);
  let acc = reduceTo(ops[0]!, (l) => neededAfter(0).has(l), sizes);
  for (let i = 1; i < ops.length; i++) {
    const later = neededAfter(i);
    const accNeeds = new Set([...later, ...ops[i]!.labels]);
    const a = reduceTo(acc, (l) => accNeeds.has(l), sizes);
    const b = reduceTo(ops[i]!, (l) => later.has(l) || a.labels.includes(l), sizes);
    acc = contract(a, b, later, sizes);
  }
  const result = arrange(
    reduceTo(acc, (l) => output.includes(l), sizes),
    output,
    sizes,
  );
  return { shape: [...result.shape], data: result.data };
}

export const einsum = defineOp({
  type: 'Einsum',
  attrs: { equation: attr.string() },
  arity: { inputs: [1, 2147483647], outputs: [1, 1] },
  infer(ctx) {
    const eq = ctx.attrs.equation;
    if (eq === undefined) throw new OpError('Einsum requires an equation');
    const ins = ctx.inputs.map((t, i) => {
      if (!t) throw new OpError(`Einsum input ${i} is missing`);
      return t;
    });
    const dtype = ins[0]!.dtype;
    if (ins.some((t) => t.dtype !== dtype)) throw new OpError('Einsum inputs differ in dtype');
    if (!ins.every((t) => t.shape)) return [{ dtype, shape: undefined }];
    const shapes = ins.map((t) => t.shape!);
    const spec = parseEinsum(
      eq,
      shapes.map((s) => s.length),
    );
    const sizes = labelSizes(spec, shapes);
    return [{ dtype, shape: spec.output.map((l) => sizes.get(l)!) }];
  },
  reference(inputs, a) {
    if (a.equation === undefined) throw new OpError('Einsum requires an equation');
    const ops = inputs.map((t, i) => {
      if (!t || !isStaticShape(t.shape)) throw new OpError(`Einsum input ${i} is missing`);
      return t;
    });
    const r = einsumValues(a.equation, ops);
    return [floatResult(ops[0]!.dtype, r.shape, r.data)];
  },
});
