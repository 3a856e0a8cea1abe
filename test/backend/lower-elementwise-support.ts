import assert from 'node:assert/strict';
import { integerRange, isBigInt, isFloat, isHalf, type DType } from '../../src/ir/dtype.js';
import type { Attrs, AttrValue } from '../../src/ir/graph.js';
import { getNumber, sizeOf, type Tensor } from '../../src/ir/tensor.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import type { Program } from '../../src/backend/schedule/program.js';
import type { Kernel, Stmt } from '../../src/backend/kernel/ir.js';
import { feedsOf, lower, nodeGraph, type GraphInput } from '../helpers/lowering-harness.js';
import { t } from '../helpers/op-harness.js';

/**
 * Shared by the elementwise lowering tests: data generators that mix ordinary values with the edge
 * cases of each dtype, and a checker that compares lowered against reference outputs either exactly
 * (bit for bit up to NaN payloads; int64 as bigints) or within a tolerance.
 */

export const SHAPES: readonly (readonly number[])[] = [[7], [1, 3, 5, 4], [], [0, 3], [2, 0, 1]];

/** Every broadcasting form on [7] and [1,3,5,4]: same shape, scalar, trailing, middle, both sides, rank-0. */
export const PAIRS: readonly (readonly [readonly number[], readonly number[]])[] = [
  [[7], [7]],
  [[7], [1]],
  [[7], []],
  [[], [7]],
  [[1], [7]],
  [[], []],
  [
    [1, 3, 5, 4],
    [1, 3, 5, 4],
  ],
  [[1, 3, 5, 4], [4]],
  [
    [1, 3, 5, 4],
    [5, 1],
  ],
  [
    [1, 3, 5, 4],
    [3, 1, 1],
  ],
  [
    [1, 3, 5, 4],
    [1, 1, 5, 4],
  ],
  [[1, 3, 5, 4], []],
  [
    [1, 3, 5, 1],
    [1, 1, 1, 4],
  ],
  [
    [3, 1, 4],
    [1, 3, 5, 1],
  ],
  [[1], [1, 3, 5, 4]],
  [[0, 3], [3]],
  [[2, 0], [1]],
];

const FLOAT_SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.5, -2.5, 1, -1, 3];

/** Deterministic xorshift in [0, 1). */
export function rng(seed: number): () => number {
  let s = (seed * 2654435761) | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export interface SampleOptions {
  /** Float range (default 4): values in [-scale, scale). */
  readonly scale?: number;
  /** Mix in NaN, infinities, signed zeros and ties (default true). */
  readonly specials?: boolean;
  /** Integers: only values in [lo, hi] (default: the dtype's range, edges included). */
  readonly range?: readonly [number, number];
  /** Floats: only values > 0 (for Log, Sqrt...). */
  readonly positive?: boolean;
}

/** A tensor of `dtype` with ordinary values and, every few elements, the dtype's edge cases. */
export function sample(dtype: DType, shape: readonly number[], seed: number, o: SampleOptions = {}): Tensor {
  const next = rng(seed);
  const n = sizeOf(shape);
  if (dtype === 'bool')
    return t(
      dtype,
      shape,
      Array.from({ length: n }, () => (next() < 0.5 ? 0 : 1)),
    );
  if (isFloat(dtype)) {
    const scale = o.scale ?? 4;
    const values = Array.from({ length: n }, (_, i) => {
      if (o.specials !== false && i % 3 === 1) return FLOAT_SPECIALS[(i + seed) % FLOAT_SPECIALS.length]!;
      const v = (next() * 2 - 1) * scale;
      return o.positive ? Math.abs(v) + 1e-3 : v;
    });
    return t(dtype, shape, o.positive ? values.map((v) => (v > 0 ? v : 0.75)) : values);
  }
  const [lo, hi] = o.range ?? integerRange(dtype).map(Number);
  const edges = o.range
    ? [lo!, hi!, 0, 1]
    : [lo!, hi!, 0, -1, 1, hi! - 1, lo! + 1].filter((v) => v >= lo! && v <= hi!);
  const values = Array.from({ length: n }, (_, i): number | bigint => {
    if (o.specials !== false && i % 3 === 1) return edges[(i + seed) % edges.length]!;
    const small = Math.floor(next() * 200) - 100;
    return Math.min(hi!, Math.max(lo!, small));
  });
  if (isBigInt(dtype) && !o.range) {
    // the true 64-bit edges, which a double cannot hold
    const [blo, bhi] = integerRange(dtype);
    return t(
      dtype,
      shape,
      values.map((v) => (v === lo ? blo : v === hi ? bhi : BigInt(v as number))),
    );
  }
  return t(dtype, shape, values);
}

export const input = (name: string, value: Tensor, constant = false): GraphInput => ({
  name,
  value,
  constant,
});

export const float = (value: number): AttrValue => ({ kind: 'float', value });
export const int = (value: number): AttrValue => ({ kind: 'int', value });
export const str = (value: string): AttrValue => ({ kind: 'string', value });

export type Tolerance = 'exact' | { readonly atol: number; readonly rtol: number };

/** Float tolerance by output dtype: one rounding apart at most, plus the f32 formula's few ulps. */
export function tolerance(
  dtype: DType,
  f32: { atol: number; rtol: number } = { atol: 1e-6, rtol: 1e-5 },
): Tolerance {
  if (dtype === 'float16') return { atol: 1e-3, rtol: 1e-3 };
  if (dtype === 'bfloat16') return { atol: 8e-3, rtol: 8e-3 };
  return f32;
}

/**
 * Lowers one node, interprets the kernels over the planned memory, and compares every output with
 * the reference interpreter. Returns the program for structural checks.
 */
export function check(
  op: string,
  inputs: readonly (GraphInput | undefined)[],
  attrs: Attrs = {},
  tol: Tolerance = 'exact',
): Program {
  const graph = nodeGraph(op, inputs, attrs);
  const feeds = feedsOf(inputs.filter((i): i is GraphInput => i !== undefined));
  const expected = runGraph(graph, feeds);
  const program = lower(graph);
  const actual = interpretProgram(program, planMemory(program), feeds);
  for (const [name, want] of expected) {
    const got = actual.get(name)!;
    assert.equal(got.dtype, want.dtype, `dtype of ${name}`);
    assert.deepEqual([...got.shape], [...want.shape], `shape of ${name}`);
    for (let i = 0; i < want.data.length; i++) compareElement(got, want, i, tol, inputs);
  }
  return program;
}

function compareElement(
  got: Tensor,
  want: Tensor,
  i: number,
  tol: Tolerance,
  inputs: readonly unknown[],
): void {
  const a = getNumber(got, i);
  const e = getNumber(want, i);
  if (Number.isNaN(a) && Number.isNaN(e)) return;
  const where = () =>
    `[${i}]: lowered ${describe(got, i)}, reference ${describe(want, i)} (inputs ${show(inputs)})`;
  if (tol === 'exact' || !isFloat(want.dtype)) {
    const same = isHalf(want.dtype) || isBigInt(want.dtype) ? got.data[i] === want.data[i] : a === e;
    assert.ok(same || (a === 0 && e === 0 && isHalf(want.dtype)), where());
    return;
  }
  if (a === e) return;
  assert.ok(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e), where());
}

function describe(x: Tensor, i: number): string {
  return isHalf(x.dtype) ? `${getNumber(x, i)} (0x${(x.data[i] as number).toString(16)})` : String(x.data[i]);
}

function show(inputs: readonly unknown[]): string {
  return inputs
    .map((g) => {
      const v = (g as GraphInput | undefined)?.value;
      if (!v) return '-';
      const n = Math.min(v.data.length, 24);
      return `${v.dtype}[${v.shape.join(',')}]{${Array.from({ length: n }, (_, k) => getNumber(v, k)).join(',')}}`;
    })
    .join(' ');
}

/** Every loop of a kernel body, outermost first along each path. */
export function loops(k: Kernel): Extract<Stmt, { op: 'loop' }>[] {
  const out: Extract<Stmt, { op: 'loop' }>[] = [];
  const walk = (ss: readonly Stmt[]) => {
    for (const s of ss) {
      if (s.op === 'loop') {
        out.push(s);
        walk(s.body);
      } else if (s.op === 'if') {
        walk(s.then);
        walk(s.else);
      }
    }
  };
  walk(k.body);
  return out;
}
