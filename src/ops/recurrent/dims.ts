import { freshDim, type Dim } from '../../ir/shape.js';
import { OpError } from '../op.js';

/** Symbolic dim arithmetic for shape inference: exact on numbers, a fresh symbol otherwise. */
export function dimTimes(a: Dim, b: Dim, hint: string): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  return freshDim(hint);
}

/** a / parts, which must divide exactly when a is known. */
export function dimPer(a: Dim, parts: number, what: string): Dim {
  if (parts === 1) return a;
  if (typeof a !== 'number') return freshDim(what.replace(/\W+/g, '_'));
  if (a % parts !== 0) throw new OpError(`${what}: ${a} does not split into ${parts} parts`);
  return a / parts;
}

/** Two dims that must agree: a number beats a symbol; two different numbers are an error. */
export function unifyDim(a: Dim, b: Dim | undefined, what: string): Dim {
  if (b === undefined || a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') throw new OpError(`${what}: ${a} against ${b}`);
  return typeof a === 'number' ? a : b;
}

export function requireRank(shape: readonly unknown[], rank: number, what: string): void {
  if (shape.length !== rank) throw new OpError(`${what} must have rank ${rank}, found ${shape.length}`);
}
