import assert from 'node:assert/strict';
import { isFloat, storageCtor, type DType, type TensorData } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs, Graph } from '../../src/ir/graph.js';
import { fromNumbers, getNumber, type Tensor } from '../../src/ir/tensor.js';
import type { Expr, Kernel, Stmt } from '../../src/backend/kernel/ir.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import type { Program } from '../../src/backend/schedule/program.js';
import { renderWasm } from '../../src/backend/wasm/index.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { checkLoweringWith, feedsOf, nodeGraph, type GraphInput } from '../helpers/lowering-harness.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { layoutOf, wasm } from './wasm-harness.js';

/**
 * Shared by the reduce family's lowering tests: data and attribute builders, and `check`, which
 * holds a lowering to the op's reference three ways: its kernels are well formed, the kernel-IR
 * interpreter over the planned memory matches, and the module rendered to wasm SIMD matches (and,
 * for a lone parallel kernel, its threads variant too).
 */

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

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export interface CheckOptions {
  readonly outputs?: number;
  readonly tolerance?: Tolerance;
  /** binaryen optimization level of the rendered module (sweeps use 0: rendering dominates their time). */
  readonly optimize?: 0 | 1 | 2;
}

/** One node, lowered and checked (see the file comment); returns the program. */
export function check(
  op: string,
  inputs: readonly (GraphInput | undefined)[],
  attrs: Attrs = {},
  options: CheckOptions = {},
): Program {
  const graph = nodeGraph(op, inputs, attrs, options.outputs ?? 1);
  return checkGraph(graph, feedsOf(inputs.filter((i): i is GraphInput => i !== undefined)), options);
}

export function checkGraph(
  graph: Graph,
  feeds: ReadonlyMap<string, Tensor>,
  options: CheckOptions = {},
): Program {
  const tolerance = options.tolerance ?? { atol: 1e-6, rtol: 1e-5 };
  const program = checkLoweringWith(graph, feeds, tolerance);
  for (const k of program.kernels) assert.deepEqual(kernelProblems(k), [], `kernel ${k.name}`);
  const expected = runGraph(graph, feeds);
  const runs = [1];
  // a lone kernel has no barriers, so its thread shares can run one after another on this thread:
  // together they must write every element, each exactly as the single-thread run
  const first = program.kernels[0]?.body[0];
  if (program.kernels.length === 1 && first?.op === 'loop' && first.parallel) runs.push(3);
  for (const threads of runs) {
    const actual = runWasm(program, feeds, options.optimize ?? 0, threads);
    for (const [name, want] of expected) {
      const got = actual.get(name);
      assert.ok(got, `wasm output ${name}`);
      for (let i = 0; i < want.data.length; i++) {
        const a = getNumber(got, i);
        const e = getNumber(want, i);
        if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
        const ok = Math.abs(a - e) <= tolerance.atol + tolerance.rtol * Math.abs(e);
        assert.ok(ok, `wasm (${threads} threads) ${name}[${i}]: ${a}, reference ${e}`);
      }
    }
  }
  return program;
}

/**
 * Renders the program (SIMD128), loads weights and inputs into its memory, runs it once. With
 * `threads` > 1 it renders the threads variant and runs every thread's share in turn (programs
 * without barriers only: one kernel).
 */
export function runWasm(
  program: Program,
  feeds: ReadonlyMap<string, Tensor>,
  optimize: 0 | 1 | 2,
  threads = 1,
): Map<string, Tensor> {
  const plan = planMemory(program);
  const layout = layoutOf(plan);
  const features: WasmFeature[] = threads > 1 ? ['simd128', 'threads'] : ['simd128'];
  const bytes = renderWasm(program, { plan, ...layout }, { features, optimize });
  const pages = layout.totalBytes / 65536;
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: threads > 1 });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  const mem = new Uint8Array(memory.buffer);
  const raw = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const offset = (buffer: string): number | undefined => {
    const w = plan.weights.get(buffer);
    if (w) return layout.weightsOffset + w.offset;
    const a = plan.arena.get(buffer);
    return a && layout.arenaOffset + a.offset;
  };
  for (const [name, info] of program.buffers) if (info.data) mem.set(raw(info.data), offset(name)!);
  for (const io of program.inputs) {
    const at = offset(io.buffer);
    if (at !== undefined) mem.set(raw(feeds.get(io.name)!), at);
  }
  const run = instance.exports['run'] as (tid: number, n: number) => void;
  for (let tid = threads - 1; tid >= 0; tid--) run(tid, threads);
  const out = new Map<string, Tensor>();
  for (const io of program.outputs) {
    const Ctor = storageCtor(io.dtype);
    const n = io.shape.reduce((a, b) => a * b, 1);
    const view = n === 0 ? new Ctor(0) : new Ctor(memory.buffer as ArrayBuffer, offset(io.buffer)!, n);
    out.set(io.name, { dtype: io.dtype, shape: io.shape, data: view.slice() as TensorData });
  }
  return out;
}

/**
 * Scoping and bookkeeping errors of one kernel (empty when well formed): loop variables used only
 * inside their loops, locals set before read, reads/writes naming every buffer touched, and every
 * store inside a parallel loop indexed by it (iterations write disjoint elements).
 */
export function kernelProblems(k: Kernel): string[] {
  const problems: string[] = [];
  const locals = new Set<string>();
  const index = (
    ix: { terms: readonly { v: string }[]; dynamic?: Expr },
    vars: ReadonlySet<string>,
  ): void => {
    for (const t of ix.terms) if (!vars.has(t.v)) problems.push(`index variable ${t.v} outside its loop`);
    if (ix.dynamic) expr(ix.dynamic, vars);
  };
  const expr = (e: Expr, vars: ReadonlySet<string>): void => {
    if (e.op === 'var' && !vars.has(e.name)) problems.push(`variable ${e.name} outside its loop`);
    if (e.op === 'local' && !locals.has(e.name)) problems.push(`local ${e.name} read before it is set`);
    if (e.op === 'load') {
      if (!k.reads.includes(e.buffer)) problems.push(`load of ${e.buffer} not in reads`);
      index(e.index, vars);
    }
    for (const sub of e.op === 'unary' || e.op === 'convert'
      ? [e.x]
      : e.op === 'binary' || e.op === 'compare'
        ? [e.a, e.b]
        : e.op === 'select'
          ? [e.cond, e.a, e.b]
          : [])
      expr(sub, vars);
  };
  const stmts = (ss: readonly Stmt[], vars: ReadonlySet<string>, parallel: readonly string[]): void => {
    for (const s of ss) {
      if (s.op === 'loop') {
        if (vars.has(s.v)) problems.push(`loop variable ${s.v} shadows an enclosing loop`);
        stmts(s.body, new Set([...vars, s.v]), s.parallel ? [...parallel, s.v] : parallel);
      } else if (s.op === 'store') {
        if (!k.writes.includes(s.buffer)) problems.push(`store to ${s.buffer} not in writes`);
        for (const p of parallel)
          if (!s.index.dynamic && !s.index.terms.some((t) => t.v === p))
            problems.push(`store to ${s.buffer} does not depend on parallel loop ${p}`);
        index(s.index, vars);
        expr(s.value, vars);
      } else if (s.op === 'set') {
        expr(s.value, vars);
        locals.add(s.name);
      } else if (s.op === 'if') {
        expr(s.cond, vars);
        stmts(s.then, vars, parallel);
        stmts(s.else, vars, parallel);
      } else {
        if (parallel.length) problems.push(`gemm inside parallel loop ${parallel.join()}`);
        for (const b of [s.a.buffer, s.b.buffer])
          if (!k.reads.includes(b)) problems.push(`gemm reads ${b} not in reads`);
        if (!k.writes.includes(s.c.buffer)) problems.push(`gemm writes ${s.c.buffer} not in writes`);
      }
    }
  };
  stmts(k.body, new Set(), []);
  return problems;
}
