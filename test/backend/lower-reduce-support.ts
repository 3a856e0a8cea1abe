import type { DType } from '../../src/ir/dtype.js';
import { isFloat } from '../../src/ir/dtype.js';
import type { AttrValue } from '../../src/ir/graph.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';

/** Test data and attribute builders shared by the reduce family's lowering tests. */

/** Deterministic uniform numbers in [0, 1) (mulberry32), so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Floats uniform in [lo, hi); integers in a small range around 0 (non-negative for unsigned types). */
export function random(dtype: DType, shape: readonly number[], seed = 1, lo = -2, hi = 2): Tensor {
  const next = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, () => {
    if (isFloat(dtype)) return lo + (hi - lo) * next();
    if (dtype === 'bool') return next() < 0.5 ? 0 : 1;
    const v = Math.floor(next() * 19) - 9;
    return dtype.startsWith('uint') ? Math.abs(v) : v;
  });
  return fromNumbers(dtype, shape, values);
}

export const int = (value: number): AttrValue => ({ kind: 'int', value });
export const float = (value: number): AttrValue => ({ kind: 'float', value });
export const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
export const str = (value: string): AttrValue => ({ kind: 'string', value });

/** An int64 constant input (axes, k, shapes). */
export function i64(values: readonly number[], shape: readonly number[] = [values.length]): Tensor {
  return fromNumbers('int64', shape, values);
}

/** Every subset of 0..rank-1, each also spelled with negative axes. */
export function axisSubsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << rank; mask++) {
    const axes = [...Array(rank).keys()].filter((a) => mask & (1 << a));
    out.push(mask % 2 ? axes : axes.map((a) => a - rank));
  }
  return out;
}

export const FLOAT_TOL = { atol: 1e-5, rtol: 3e-5 };
export const HALF_TOL = { atol: 2e-3, rtol: 2e-3 };
export function tolerance(dtype: DType): { atol: number; rtol: number } {
  return dtype === 'float16' || dtype === 'bfloat16'
    ? dtype === 'bfloat16'
      ? { atol: 2e-2, rtol: 1e-2 }
      : HALF_TOL
    : FLOAT_TOL;
}
