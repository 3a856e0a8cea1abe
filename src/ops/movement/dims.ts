import { freshDim, type Dim, type Shape, type TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { OpError, type InferContext } from '../op.js';

/**
 * Shape arithmetic shared by the movement ops' inference. Dims are numbers or symbols; a result is a
 * symbol only when the relation is exact, otherwise a fresh symbol.
 */

/**
 * A small integer tensor (shape, axes, starts, pads) as JS numbers. int64 values beyond 2^53, the
 * INT64_MAX/MIN sentinels of exported Slice ends, become approximate: they are only ever clamped.
 */
export function intsOf(t: Tensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  return out;
}

/** Input i's values when it is a compile-time constant; undefined when omitted or computed at run time. */
export function constInts(ctx: InferContext<unknown>, i: number): number[] | undefined {
  const c = ctx.constants[i];
  return c ? intsOf(c) : undefined;
}

export function isPresent(ctx: InferContext<unknown>, i: number): boolean {
  return ctx.inputs[i] !== undefined;
}

/** The length of 1-D input i when its type says so statically (a shape vector whose values are unknown). */
export function staticLength(ctx: InferContext<unknown>, i: number): number | undefined {
  const s = ctx.inputs[i]?.shape;
  if (!s) return undefined;
  if (s.length === 0) return 1;
  const n = s[0];
  return s.length === 1 && typeof n === 'number' ? n : undefined;
}

function freshDims(n: number, hint?: string): Dim[] {
  return Array.from({ length: n }, () => freshDim(hint));
}

/** A shape of known rank whose dims depend on data; unknown rank when n is unknown. */
export function unknownShape(n: number | undefined, hint?: string): Dim[] | undefined {
  return n === undefined ? undefined : freshDims(n, hint);
}

/** Product of dims: exact when all are numbers, or when one symbol is multiplied only by ones. */
export function dimProduct(dims: Shape): Dim {
  let n = 1;
  let sym: string | undefined;
  let symbols = 0;
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else {
      symbols++;
      sym = d;
    }
  }
  if (symbols === 0) return n;
  if (n === 0) return 0;
  if (symbols === 1 && n === 1) return sym!;
  return freshDim();
}

/** Sum of dims (Concat along an axis): exact when all are numbers or when a single symbol is added to zeros. */
export function dimSum(dims: Shape): Dim {
  let n = 0;
  const syms: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n += d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  if (syms.length === 1 && n === 0) return syms[0]!;
  return freshDim();
}

/** Two dims that must be equal: a number beats a symbol, two different symbols keep the first. */
export function unifyDim(a: Dim, b: Dim, what: string): Dim {
  if (a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') throw new OpError(`${what}: ${a} vs ${b}`);
  return typeof a === 'number' ? a : typeof b === 'number' ? b : a;
}

export function shapeOf(t: TensorType | undefined, what: string): Shape {
  if (!t) throw new OpError(`${what} is required`);
  if (!t.shape) throw new OpError(`${what} has unknown rank`);
  return t.shape;
}

/** Like shapeOf, but an unknown rank is allowed (inference then yields an unknown-rank result). */
export function maybeShape(t: TensorType | undefined, what: string): Shape | undefined {
  if (!t) throw new OpError(`${what} is required`);
  return t.shape;
}
