import type { Dim } from '../../ir/shape.js';
import { normalizeAxis } from '../support/axes.js';

/**
 * A tensor seen as [outer, reduced, inner] around a block of axes: the shape every reduction,
 * softmax and normalization kernel in this family loops over, so its inner loop stays contiguous.
 */
export interface Block {
  readonly outer: number;
  readonly reduced: number;
  readonly inner: number;
}

export function product(dims: readonly number[], from = 0, to = dims.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= dims[i]!;
  return n;
}

/** The block around one axis (softmax, arg-reductions, cumulative ops). */
export function axisBlock(shape: readonly number[], axis: number): Block {
  return { outer: product(shape, 0, axis), reduced: shape[axis]!, inner: product(shape, axis + 1) };
}

/** The block from `axis` to the end (layer normalization, coerced 2-D softmax). */
export function tailBlock(shape: readonly number[], axis: number): Block {
  return { outer: product(shape, 0, axis), reduced: product(shape, axis), inner: 1 };
}

/**
 * The block of a set of reduced axes, when they form one contiguous run once size-1 dims are
 * ignored (size-1 dims can count as reduced or kept without changing the element order).
 * undefined when kept axes lie between reduced ones.
 */
export function reductionBlock(shape: readonly number[], axes: ReadonlySet<number>): Block | undefined {
  let outer = 1;
  let reduced = 1;
  let inner = 1;
  let phase = 0; // 0: before the reduced run, 1: inside it, 2: after it
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    if (axes.has(d)) {
      if (phase === 2) return undefined;
      phase = 1;
      reduced *= n;
    } else if (phase === 0) {
      outer *= n;
    } else {
      phase = 2;
      inner *= n;
    }
  }
  return { outer, reduced, inner };
}

/** Shape after reducing `axes`: size-1 dims when keepdims, removed otherwise. */
export function reducedShape<D extends Dim>(
  shape: readonly D[],
  axes: ReadonlySet<number>,
  keepdims: boolean,
): (D | 1)[] {
  const out: (D | 1)[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!axes.has(d)) out.push(shape[d]!);
    else if (keepdims) out.push(1);
  }
  return out;
}

/** ONNX reduction axes: empty means all axes (unless the op is a no-op then, handled by the caller). */
export function reductionAxes(axes: readonly number[], rank: number): Set<number> {
  if (axes.length === 0) return new Set(Array.from({ length: rank }, (_, i) => i));
  const out = new Set<number>();
  for (const a of axes) out.add(normalizeAxis(a, rank));
  return out;
}
