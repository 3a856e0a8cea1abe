import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import { fromNumbers, tensor, type Tensor } from '../../src/ir/tensor.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import type { Program } from '../../src/backend/schedule/program.js';
import type { Kernel, Stmt } from '../../src/backend/kernel/ir.js';
import { renderWasm } from '../../src/backend/wasm/index.js';
import { memoryLayout } from '../../src/driver/compile.js';
import { checkLowering, feedsOf, lower, nodeGraph, type GraphInput } from '../helpers/lowering-harness.js';

/**
 * Shared by the movement family's lowering tests: storage-level random data (every bit pattern,
 * NaN payloads included) and a check that compares output BYTES with the reference, since a copy
 * must be exact where the harness's numeric comparison would accept a canonicalized NaN or -0 as 0.
 */

export const DATA_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int64', 'bool', 'uint8'];

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
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

/**
 * Random storage: halves get any 16-bit pattern (signalling and negative NaNs too), int64 any 64
 * bits, bool 0/1. float32 NaNs are made quiet: the interpreter moves f32 through JS doubles, which
 * quiets a signalling NaN (wasm's f32.load/store would not) while the reference's typed-array
 * `set` keeps it, so the two sides would differ for a reason outside the lowering.
 */
export function bits(dtype: DType, shape: readonly number[], seed = 1): Tensor {
  const next = prng(seed);
  const t = tensor(dtype, shape);
  const n = t.data.length;
  const u32 = () => Math.floor(next() * 2 ** 32) >>> 0;
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32') {
      let b = u32();
      if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) b |= 0x400000;
      new Uint32Array(t.data.buffer, t.data.byteOffset, n)[i] = b;
    } else if (dtype === 'int64' || dtype === 'uint64') {
      (t.data as BigInt64Array)[i] = BigInt.asIntN(64, (BigInt(u32()) << 32n) | BigInt(u32()));
    } else if (dtype === 'bool') {
      t.data[i] = next() < 0.5 ? 0 : 1;
    } else if (dtype === 'float64') {
      (t.data as Float64Array)[i] = next() * 200 - 100;
    } else {
      (t.data as Uint32Array)[i] = u32();
    }
  }
  return t;
}

/** 16-bit float patterns that a widen-and-round copy would change: NaN payloads, signs, quiet bits. */
export const HALF_NANS = [0x7c01, 0x7d55, 0xfe00, 0xffff, 0x7e01, 0xfc01, 0x8000, 0x0001] as const;
export const BF16_NANS = [0x7f81, 0x7fc1, 0xffc0, 0xff81, 0x7fff, 0x8000, 0x0001, 0xffff] as const;

export const int = (value: number): AttrValue => ({ kind: 'int', value });
export const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
export const str = (value: string): AttrValue => ({ kind: 'string', value });

export function i64(values: readonly number[], shape: readonly number[] = [values.length]): Tensor {
  return fromNumbers('int64', shape, values);
}

export function i32(values: readonly number[], shape: readonly number[] = [values.length]): Tensor {
  return fromNumbers('int32', shape, values);
}

export const input = (name: string, value: Tensor, constant = false): GraphInput => ({
  name,
  value,
  constant,
});

function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** The synchronous part of the WebAssembly API (the project's lib settings declare no global). */
interface SyncWasm {
  readonly Memory: new (d: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (m: object, imports: object) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: SyncWasm }).WebAssembly;

/**
 * Renders the program to wasm (SIMD128, -O2), runs it single-threaded over one memory laid out as
 * the compiler lays it out, and returns the outputs. Synchronous: tests call it per case.
 */
export function runWasm(program: Program, feeds: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const plan = planMemory(program);
  const layout = memoryLayout(plan);
  const bytes = renderWasm(program, { plan, ...layout }, { features: ['simd128'], optimize: 2 });
  const pages = layout.totalBytes / 65536;
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  const where = (buffer: string): number | undefined => {
    const info = program.buffers.get(buffer)!;
    const w = plan.weights.get(buffer);
    if (info.kind === 'weight') return w && layout.weightsOffset + w.offset;
    const a = plan.arena.get(buffer);
    return a && layout.arenaOffset + a.offset;
  };
  for (const [name, info] of program.buffers) {
    const at = where(name);
    if (info.kind === 'weight' && info.data && at !== undefined)
      new Uint8Array(memory.buffer, at, info.bytes).set(bytesOf(info.data));
  }
  for (const io of program.inputs) {
    const at = where(io.buffer);
    if (at !== undefined) new Uint8Array(memory.buffer, at).set(bytesOf(feeds.get(io.name)!));
  }
  (instance.exports.run as (tid: number, threads: number) => void)(0, 1);
  const out = new Map<string, Tensor>();
  for (const io of program.outputs) {
    const t = tensor(io.dtype, io.shape);
    const at = where(io.buffer);
    if (at !== undefined) bytesOf(t).set(new Uint8Array(memory.buffer, at, t.data.byteLength));
    out.set(io.name, t);
  }
  return out;
}

function assertSameBytes(op: string, got: Tensor, want: Tensor, what: string): void {
  assert.equal(got.dtype, want.dtype, `dtype of ${what}`);
  assert.deepEqual([...got.shape], [...want.shape], `shape of ${what}`);
  const [a, b] = [bytesOf(got), bytesOf(want)];
  const at = a.findIndex((x, i) => x !== b[i]);
  assert.ok(
    at < 0 && a.length === b.length,
    `${op} ${what}: bytes differ at byte ${at} (got ${a[at]}, reference ${b[at]})`,
  );
}

/**
 * Lowers one node and requires every output to equal the reference byte for byte, both from the
 * kernel interpreter over the planned memory and from the kernels rendered to wasm. Also runs the
 * harness's numeric check.
 */
export function checkExact(
  op: string,
  inputs: readonly (GraphInput | undefined)[],
  attrs: Attrs = {},
  outputs = 1,
): Program {
  const graph = nodeGraph(op, inputs, attrs, outputs);
  const feeds = feedsOf(inputs.filter((i): i is GraphInput => i !== undefined));
  const expected = runGraph(graph, feeds);
  const program = lower(graph);
  const interpreted = interpretProgram(program, planMemory(program), feeds);
  const compiled = runWasm(program, feeds);
  for (const [name, want] of expected) {
    assertSameBytes(op, interpreted.get(name)!, want, `${name} (interpreted)`);
    assertSameBytes(op, compiled.get(name)!, want, `${name} (wasm)`);
  }
  checkLowering(op, inputs, attrs, { outputs });
  return program;
}

/** Every statement of the kernels, depth first. */
export function statements(kernels: readonly Kernel[]): Stmt[] {
  const out: Stmt[] = [];
  const walk = (s: readonly Stmt[]): void => {
    for (const x of s) {
      out.push(x);
      if (x.op === 'loop') walk(x.body);
      if (x.op === 'if') {
        walk(x.then);
        walk(x.else);
      }
    }
  };
  kernels.forEach((k) => walk(k.body));
  return out;
}

export type Loop = Extract<Stmt, { op: 'loop' }>;

export function loops(kernels: readonly Kernel[]): Loop[] {
  return statements(kernels).filter((s): s is Loop => s.op === 'loop');
}

/** All permutations of 0..n-1. */
export function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/** Odd sizes for each rank 1..5 (a 1 included: size-1 axes must drop out of the loops). */
export const SHAPES: readonly (readonly number[])[] = [[7], [3, 5], [2, 3, 5], [3, 1, 4, 5], [2, 3, 1, 3, 5]];
