import assert from 'node:assert/strict';
import type { Attrs, Graph } from '../../src/ir/graph.js';
import { getNumber, type Tensor } from '../../src/ir/tensor.js';
import { storageCtor, type TensorData } from '../../src/ir/dtype.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import type { Expr, Kernel, Stmt } from '../../src/backend/kernel/ir.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import type { Program } from '../../src/backend/schedule/program.js';
import { renderWasm } from '../../src/backend/wasm/index.js';
import { checkLoweringWith, feedsOf, nodeGraph, type GraphInput } from '../helpers/lowering-harness.js';
import { layoutOf, wasm } from './wasm-harness.js';

/**
 * Shared by the linalg lowering tests: a lowering is checked three ways against the op's reference
 * implementation: its kernels are well formed (every loop variable used inside its loop, every
 * local set before it is read, reads/writes naming every buffer touched, every store inside a
 * parallel loop indexed by it), the kernel-IR
 * interpreter over the planned memory matches, and the module rendered to wasm SIMD matches.
 */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export interface CheckOptions {
  readonly outputs?: number;
  readonly tolerance?: Tolerance;
  /** Tolerance of the rendered wasm (float32 accumulation in the micro-kernel); defaults to `tolerance`. */
  readonly wasmTolerance?: Tolerance;
}

export function checkLinalg(
  op: string,
  inputs: readonly (GraphInput | undefined)[],
  attrs: Attrs = {},
  options: CheckOptions = {},
): Program {
  const graph = nodeGraph(op, inputs, attrs, options.outputs ?? 1);
  const feeds = feedsOf(inputs.filter((i): i is GraphInput => i !== undefined));
  return checkGraph(graph, feeds, options);
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
  const actual = runWasm(program, feeds);
  for (const [name, want] of expected)
    compare(actual.get(name)!, want, options.wasmTolerance ?? tolerance, `wasm ${name}`);
  return program;
}

function compare(got: Tensor, want: Tensor, tol: Tolerance, what: string): void {
  assert.ok(got, what);
  assert.equal(got.dtype, want.dtype, `dtype of ${what}`);
  for (let i = 0; i < want.data.length; i++) {
    const a = getNumber(got, i);
    const e = getNumber(want, i);
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    assert.ok(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e), `${what}[${i}]: ${a}, reference ${e}`);
  }
}

/** Renders the program (SIMD128), loads weights and inputs into its memory, runs it once. */
export function runWasm(program: Program, feeds: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const plan = planMemory(program);
  const layout = layoutOf(plan);
  const bytes = renderWasm(program, { plan, ...layout }, { features: ['simd128'], optimize: 1 });
  const pages = layout.totalBytes / 65536;
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  const mem = new Uint8Array(memory.buffer);
  const raw = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  for (const [name, p] of plan.weights) {
    const data = program.buffers.get(name)?.data;
    if (data) mem.set(raw(data), layout.weightsOffset + p.offset);
  }
  for (const io of program.inputs) {
    const p = plan.arena.get(io.buffer);
    if (p) mem.set(raw(feeds.get(io.name)!), layout.arenaOffset + p.offset);
  }
  (instance.exports['run'] as (tid: number, n: number) => void)(0, 1);
  const out = new Map<string, Tensor>();
  for (const io of program.outputs) {
    const w = plan.weights.get(io.buffer);
    const offset = w
      ? layout.weightsOffset + w.offset
      : layout.arenaOffset + plan.arena.get(io.buffer)!.offset;
    const Ctor = storageCtor(io.dtype);
    const n = io.shape.reduce((a, b) => a * b, 1);
    const view = new Ctor(memory.buffer as ArrayBuffer, offset, n);
    out.set(io.name, { dtype: io.dtype, shape: io.shape, data: view.slice() as TensorData });
  }
  return out;
}

/** Scoping and bookkeeping errors of one kernel (empty when well formed). */
export function kernelProblems(k: Kernel): string[] {
  const problems: string[] = [];
  const reads = new Set(k.reads);
  const writes = new Set(k.writes);
  const locals = new Set<string>();
  const expr = (e: Expr, vars: ReadonlySet<string>): void => {
    switch (e.op) {
      case 'var':
        if (!vars.has(e.name)) problems.push(`variable ${e.name} outside its loop`);
        return;
      case 'local':
        if (!locals.has(e.name)) problems.push(`local ${e.name} read before it is set`);
        return;
      case 'load':
        if (!reads.has(e.buffer)) problems.push(`load of ${e.buffer} not in reads`);
        for (const t of e.index.terms)
          if (!vars.has(t.v)) problems.push(`index variable ${t.v} outside its loop`);
        if (e.index.dynamic) expr(e.index.dynamic, vars);
        return;
      case 'unary':
      case 'convert':
        expr(e.x, vars);
        return;
      case 'binary':
      case 'compare':
        expr(e.a, vars);
        expr(e.b, vars);
        return;
      case 'select':
        expr(e.cond, vars);
        expr(e.a, vars);
        expr(e.b, vars);
        return;
      case 'const':
        return;
    }
  };
  const stmts = (ss: readonly Stmt[], vars: ReadonlySet<string>, parallel: readonly string[] = []): void => {
    for (const s of ss) {
      switch (s.op) {
        case 'loop':
          if (vars.has(s.v)) problems.push(`loop variable ${s.v} shadows an enclosing loop`);
          stmts(s.body, new Set([...vars, s.v]), s.parallel ? [...parallel, s.v] : parallel);
          break;
        case 'store':
          if (!writes.has(s.buffer)) problems.push(`store to ${s.buffer} not in writes`);
          // iterations of a parallel loop must write disjoint elements
          for (const p of parallel)
            if (!s.index.dynamic && !s.index.terms.some((t) => t.v === p))
              problems.push(`store to ${s.buffer} does not depend on parallel loop ${p}`);
          for (const t of s.index.terms)
            if (!vars.has(t.v)) problems.push(`index variable ${t.v} outside its loop`);
          if (s.index.dynamic) expr(s.index.dynamic, vars);
          expr(s.value, vars);
          break;
        case 'set':
          expr(s.value, vars);
          locals.add(s.name);
          break;
        case 'if':
          expr(s.cond, vars);
          stmts(s.then, vars, parallel);
          stmts(s.else, vars, parallel);
          break;
        case 'gemm':
          if (parallel.length) problems.push(`gemm inside parallel loop ${parallel.join()}`);
          for (const b of [s.a.buffer, s.b.buffer, ...(s.bias ? [s.bias.buffer] : [])])
            if (!reads.has(b)) problems.push(`gemm reads ${b} not in reads`);
          if (!writes.has(s.c.buffer)) problems.push(`gemm writes ${s.c.buffer} not in writes`);
          break;
      }
    }
  };
  stmts(k.body, new Set());
  return problems;
}
