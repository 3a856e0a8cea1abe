import assert from 'node:assert/strict';
import type { Activation, GemmCall, Kernel, MatrixRef } from '../../src/backend/kernel/ir.js';
import { elementOf } from '../../src/backend/kernel/gemm-call.js';
import { interpretKernels } from '../../src/backend/kernel/interpret.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { build, program } from './wasm-harness.js';
import { HALF_PADDING } from '../../src/backend/kernel/ir.js';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../../src/ir/half.js';

/**
 * One tester for every gemm micro-kernel variant (XNNPACK's GemmMicrokernelTester): a batch of calls
 * of odd sizes in one kernel, operands laid out as asked (row-major, transposed, panel-packed with
 * zero-padded last panels), every other element of every buffer NaN so a stray read shows; the
 * rendered wasm is compared with the kernel interpreter (float64 accumulation), and elements of C's
 * buffer outside C must keep their NaN.
 */
export interface GemmVariant {
  readonly features: readonly WasmFeature[];
  readonly activation?: Activation;
  readonly bias?: 'row' | 'col';
  readonly residual?: boolean;
  readonly accumulate?: boolean;
  readonly clamp?: { readonly min: number; readonly max: number };
  /** Panel widths: A in row panels of `packA`, B in column panels of `packB`. */
  readonly packA?: number;
  readonly packB?: number;
  readonly transB?: boolean;
  readonly tile?: { readonly mr: number; readonly nr: number };
  /** With 'threads' in features: run thread 0..threads-1 one after another (each its share). */
  readonly threads?: number;
  /** 16-bit storage of the packed A or B operand (auto-cast weights). */
  readonly halfA?: HalfType;
  readonly halfB?: HalfType;
  /** 16-bit C (and residual): activations stored in 16 bits (no padding). */
  readonly halfC?: HalfType;
}

type HalfType = NonNullable<MatrixRef['half']>;
const encoders = { bfloat16: float32ToBfloat16Bits, float16: float32ToFloat16Bits } as const;
const decoders = { bfloat16: bfloat16BitsToFloat32, float16: float16BitsToFloat32 } as const;

export type Shape = readonly [m: number, n: number, k: number];

interface Layout {
  readonly ref: MatrixRef;
  readonly elements: number;
}

/** A [rows, cols] operand: packed in panels along `along`, transposed, or row-major at offset 3. */
function layout(
  buffer: string,
  rows: number,
  cols: number,
  pack?: { along: 'row' | 'col'; width: number; half?: HalfType | undefined },
  trans = false,
  unpackedHalf?: HalfType,
): Layout {
  if (pack) {
    const w = pack.width;
    const other = pack.along === 'row' ? cols : rows;
    const panels = Math.ceil((pack.along === 'row' ? rows : cols) / w);
    const stride = other * w + 1; // a gap between panels catches a wrong panel stride
    const half = pack.half ? { half: pack.half } : {};
    const ref: MatrixRef =
      pack.along === 'row'
        ? {
            buffer,
            offset: 2,
            rowStride: 1,
            colStride: w,
            panels: { along: 'row', width: w, stride },
            ...half,
          }
        : {
            buffer,
            offset: 2,
            rowStride: w,
            colStride: 1,
            panels: { along: 'col', width: w, stride },
            ...half,
          };
    // 16-bit operands end in HALF_PADDING zero bytes, which kernels may read
    const padding = pack.half ? HALF_PADDING / 2 : 0;
    return { ref, elements: 2 + panels * stride + padding };
  }
  const half = unpackedHalf;
  const ref: MatrixRef = trans
    ? { buffer, offset: 3, rowStride: 1, colStride: rows, ...(half ? { half } : {}) }
    : { buffer, offset: 3, rowStride: cols, colStride: 1, ...(half ? { half } : {}) };
  return { ref, elements: 3 + rows * cols };
}

let seed = 7;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2;

export function checkGemms(shapes: readonly Shape[], v: GemmVariant): void {
  const calls: GemmCall[] = [];
  const buffers: Record<string, { dtype: 'float32' | HalfType; elements: number }> = {};
  const data = new Map<string, Float32Array>();
  const logical: { name: string; ref: MatrixRef; rows: number; cols: number; padded?: number }[] = [];
  shapes.forEach(([m, n, k], t) => {
    const a = layout(
      `a${t}`,
      m,
      k,
      v.packA ? { along: 'row', width: v.packA, half: v.halfA } : undefined,
      false,
      v.halfA,
    );
    const b = layout(
      `b${t}`,
      k,
      n,
      v.packB ? { along: 'col', width: v.packB, half: v.halfB } : undefined,
      v.transB,
      v.halfB,
    );
    const c = layout(`c${t}`, m, n, undefined, false, v.halfC);
    const r = v.residual ? layout(`r${t}`, m, n, undefined, false, v.halfC) : undefined;
    for (const [x, rows, cols] of [
      [a, m, k],
      [b, k, n],
      [c, m, n],
      ...(r ? [[r, m, n] as const] : []),
    ] as const) {
      buffers[x.ref.buffer] = { dtype: x.ref.half ?? 'float32', elements: x.elements };
      logical.push({ name: x.ref.buffer, ref: x.ref, rows, cols });
    }
    if (v.bias) buffers[`bias${t}`] = { dtype: 'float32', elements: 1 + (v.bias === 'row' ? m : n) };
    calls.push({
      op: 'gemm',
      m,
      n,
      k,
      a: a.ref,
      b: b.ref,
      c: c.ref,
      accumulate: v.accumulate ?? false,
      ...(v.bias ? { bias: { buffer: `bias${t}`, offset: 1, along: v.bias } } : {}),
      ...(r ? { residual: r.ref } : {}),
      ...(v.activation ? { activation: v.activation } : {}),
      ...(v.clamp ? { clamp: v.clamp } : {}),
      ...(v.tile ? { tile: v.tile } : {}),
    });
  });
  const kernel: Kernel = {
    name: 'gemm_test_f32',
    node: 'g',
    reads: Object.keys(buffers).filter((b) => !b.startsWith('c') || v.accumulate),
    writes: Object.keys(buffers).filter((b) => b.startsWith('c')),
    body: calls,
  };
  // every buffer: NaN, then the matrix's elements random; padding of the packed panels zero
  for (const [name, spec] of Object.entries(buffers))
    data.set(name, new Float32Array(spec.elements).fill(NaN));
  for (const x of logical) {
    const d = data.get(x.name)!;
    const p = x.ref.panels;
    if (p) {
      const extent = p.along === 'row' ? x.rows : x.cols;
      const padded = Math.ceil(extent / p.width) * p.width;
      for (let e = extent; e < padded; e++) {
        for (let o = 0; o < (p.along === 'row' ? x.cols : x.rows); o++)
          d[p.along === 'row' ? elementOf(x.ref, e, o) : elementOf(x.ref, o, e)] = 0;
      }
    }
    if (x.ref.half && x.ref.panels) d.fill(0, d.length - HALF_PADDING / 2);
    if (x.name.startsWith('c') && !v.accumulate) continue;
    // a 16-bit operand's values are exact in its type
    const value = x.ref.half
      ? (y: number) => decoders[x.ref.half!](encoders[x.ref.half!](y))
      : (y: number) => y;
    for (let i = 0; i < x.rows; i++)
      for (let j = 0; j < x.cols; j++) d[elementOf(x.ref, i, j)] = value(rnd());
  }
  for (const [name, d] of data) if (name.startsWith('bias')) for (let i = 1; i < d.length; i++) d[i] = rnd();
  // what the buffers hold: 16-bit operands as their bit patterns (NaN stays NaN)
  const stored = (name: string, d: Float32Array): Float32Array | Uint16Array => {
    const half = buffers[name]!.dtype;
    return half === 'float32' ? Float32Array.from(d) : Uint16Array.from(d, (y) => encoders[half](y));
  };
  const expected = new Map([...data].map(([name, d]) => [name, stored(name, d)]));
  interpretKernels([kernel], expected);
  const built = build(program([kernel], buffers), v.features, 1);
  for (const [name, d] of data) (built.view(name) as Float32Array | Uint16Array).set(stored(name, d));
  const threads = v.threads ?? 1;
  for (let t = 0; t < threads; t++) built.run(t, threads);
  shapes.forEach(([m, n, k], t) => {
    const cref = calls[t]!.c;
    // a 16-bit C is compared as values, one rounding step apart at most
    const values = (x: Float32Array | Uint16Array): Float32Array =>
      cref.half ? Float32Array.from(x as Uint16Array, (h) => decoders[cref.half!](h)) : (x as Float32Array);
    const got = values(built.view(`c${t}`) as Float32Array | Uint16Array);
    const want = values(expected.get(`c${t}`)!);
    const step = cref.half === 'bfloat16' ? 2 ** -7 : cref.half === 'float16' ? 2 ** -10 : 0;
    const inC = new Set<number>();
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const e = elementOf(cref, i, j);
        inC.add(e);
        const tol = 2e-6 * (k + 8) * magnitude(calls[t]!, data, i, j) + (1e-5 + step) * Math.abs(want[e]!);
        const ok =
          got[e] === want[e] ||
          Math.abs(got[e]! - want[e]!) <= tol ||
          (Number.isNaN(got[e]) && Number.isNaN(want[e]));
        assert.ok(ok, `${m}x${n}x${k} C[${i},${j}] = ${got[e]}, want ${want[e]} (${JSON.stringify(v)})`);
      }
    }
    for (let e = 0; e < got.length; e++)
      if (!inC.has(e)) assert.ok(Number.isNaN(got[e]), `C[${e}] outside C written`);
  });
}

/** Sum of the magnitudes that meet in C[i,j]: the scale of its rounding error. */
function magnitude(g: GemmCall, data: ReadonlyMap<string, Float32Array>, i: number, j: number): number {
  const A = data.get(g.a.buffer)!;
  const B = data.get(g.b.buffer)!;
  let s = 1;
  for (let q = 0; q < g.k; q++) s += Math.abs(A[elementOf(g.a, i, q)]! * B[elementOf(g.b, q, j)]!);
  if (g.residual) s += Math.abs(data.get(g.residual.buffer)![elementOf(g.residual, i, j)]!);
  if (g.accumulate) s += Math.abs(data.get(g.c.buffer)![elementOf(g.c, i, j)]!);
  return s;
}

export const ACTIVATIONS: readonly Activation[] = [
  { kind: 'clamp', min: 0, max: Infinity },
  { kind: 'clamp', min: 0, max: 6 },
  { kind: 'clamp', min: 0.5, max: -0.25 },
  { kind: 'leakyrelu', alpha: 0.1 },
  { kind: 'sigmoid' },
  { kind: 'silu' },
  { kind: 'tanh' },
  { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 },
  { kind: 'hardswish' },
  { kind: 'gelu', approximate: 'none' },
  { kind: 'gelu', approximate: 'tanh' },
];
