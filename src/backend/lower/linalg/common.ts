import type { HalfType } from '../../../options/auto-cast.js';
import type { DType } from '../../../ir/dtype.js';
import { sizeOf, toFloat32, type Tensor } from '../../../ir/tensor.js';
import { computeType, load, store, DTYPE_SHORT_NAMES } from '../../kernel/build.js';
import type { Index, Kernel, MatrixRef, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';

/** Helpers shared by the linalg lowerings: names, indices, kernels, float32 staging. */

const SUFFIX = DTYPE_SHORT_NAMES;

/** The dtype part of a kernel name (XNNPACK grammar). */
export function suffix(dtype: DType): string {
  return SUFFIX[dtype] ?? dtype;
}

/** An affine index from [variable, stride] pairs; zero strides and absent variables drop out. */
export function ix(offset: number, terms: readonly (readonly [string | undefined, number])[]): Index {
  const out: { v: string; stride: number }[] = [];
  for (const [v, stride] of terms) if (v !== undefined && stride !== 0) out.push({ v, stride });
  return { terms: out, offset };
}

export function matrix(buffer: string, offset: number, rowStride: number, colStride = 1): MatrixRef {
  return { buffer, offset, rowStride, colStride };
}

/** The 16-bit float type of a storage dtype, if it is one (GEMM operands widen it in registers). */
export function halfOf(dtype: DType): HalfType | undefined {
  return dtype === 'bfloat16' || dtype === 'float16' ? dtype : undefined;
}

/** The matrix stored in `half` (unchanged when undefined: float32). */
export function inHalf(m: MatrixRef, half: HalfType | undefined): MatrixRef {
  if (half) return { ...m, half };
  if (!m.half) return m;
  const { half: _, ...f32 } = m;
  return f32;
}

/** One loop; `vectorize`/`parallel` are set only when asked so printed kernels stay small. */
export function loop(
  v: string,
  extent: number,
  body: readonly Stmt[],
  opts: { vectorize?: boolean; parallel?: boolean } = {},
): Stmt {
  return {
    op: 'loop',
    v,
    extent,
    body,
    ...(opts.vectorize ? { vectorize: true } : {}),
    ...(opts.parallel ? { parallel: true } : {}),
  };
}

/** Buffers a statement list touches, for a kernel's reads and writes. */
export function touched(body: readonly Stmt[]): { reads: string[]; writes: string[] } {
  const reads = new Set<string>();
  const writes = new Set<string>();
  const expr = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    const o = e as Record<string, unknown>;
    if (o.op === 'load') reads.add(o.buffer as string);
    for (const k of ['x', 'a', 'b', 'cond']) expr(o[k]);
    if (o.index) expr((o.index as Index).dynamic);
  };
  const walk = (ss: readonly Stmt[]): void => {
    for (const s of ss) {
      switch (s.op) {
        case 'loop':
          walk(s.body);
          break;
        case 'store':
          writes.add(s.buffer);
          expr(s.value);
          expr(s.index.dynamic);
          break;
        case 'set':
          expr(s.value);
          break;
        case 'if':
          expr(s.cond);
          walk(s.then);
          walk(s.else);
          break;
        case 'gemm':
          reads.add(s.a.buffer);
          reads.add(s.b.buffer);
          if (s.bias) reads.add(s.bias.buffer);
          if (s.residual) reads.add(s.residual.buffer);
          if (s.accumulate) reads.add(s.c.buffer);
          writes.add(s.c.buffer);
          break;
      }
    }
  };
  walk(body);
  return { reads: [...reads], writes: [...writes] };
}

/** A kernel of this node whose reads and writes are derived from its body. */
export function kernel(ctx: LowerContext, name: string, body: readonly Stmt[]): Kernel {
  return { name, node: ctx.node.name, ...touched(body), body };
}

/** Input i, which the op requires. */
export function required(ctx: LowerContext, i: number): LoweredValue {
  const v = ctx.inputs[i];
  if (!v) throw new LoweringUnsupported(`input ${i} is missing`);
  return v;
}

export function output(ctx: LowerContext, i = 0): LoweredValue {
  const v = ctx.outputs[i];
  if (!v) throw new LoweringUnsupported(`output ${i} is missing`);
  return v;
}

export function isFloatType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

/** float32 and the halves run on the float32 GEMM; float64 and integers on loop nests. */
export function usesF32Gemm(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Elementwise copy with conversion over `n` contiguous elements (loads widen, stores narrow). */
export function convertKernel(
  ctx: LowerContext,
  from: { buffer: string; dtype: DType },
  to: { buffer: string; dtype: DType },
  n: number,
): Kernel {
  const v = ctx.fresh('i');
  const value = load(from.buffer, from.dtype, ix(0, [[v, 1]]));
  const cf = computeType(from.dtype);
  const ct = computeType(to.dtype);
  if (cf !== ct) throw new LoweringUnsupported(`no staging conversion ${from.dtype} -> ${to.dtype}`);
  const body = [
    loop(v, n, [store(to.buffer, to.dtype, ix(0, [[v, 1]]), value)], { vectorize: true, parallel: true }),
  ];
  return kernel(ctx, `convert_${suffix(from.dtype)}_${suffix(to.dtype)}`, body);
}

/** A float32 constant tensor of `shape` from plain values. */
export function f32Tensor(shape: readonly number[], data: Float32Array): Tensor {
  return { dtype: 'float32', shape: [...shape], data };
}

/**
 * The value as a float32 buffer: float32 values as they are, constants converted at compile time,
 * float16/bfloat16 runtime values widened by a kernel into scratch (the returned `pre`).
 */
export function f32Input(
  ctx: LowerContext,
  v: LoweredValue,
  hint: string,
): { buffer: string; pre: Kernel[] } {
  if (v.dtype === 'float32') return { buffer: v.buffer, pre: [] };
  if (v.constant) return { buffer: ctx.constant(f32Tensor(v.shape, toFloat32(v.constant)), hint), pre: [] };
  const n = sizeOf(v.shape);
  const buffer = ctx.scratch('float32', n, hint);
  return { buffer, pre: [convertKernel(ctx, v, { buffer, dtype: 'float32' }, n)] };
}

/**
 * A GEMM operand read in place: float32 values, and 16-bit values computed at run time (auto-cast's
 * activations, widened in registers: `half`); other dtypes staged as f32Input does.
 */
export function gemmInput(
  ctx: LowerContext,
  v: LoweredValue,
  hint: string,
): { buffer: string; half: HalfType | undefined; pre: Kernel[] } {
  const half = halfOf(v.dtype);
  if (v.dtype === 'float32' || (half && !v.constant)) return { buffer: v.buffer, half, pre: [] };
  return { ...f32Input(ctx, v, hint), half: undefined };
}

/** Where a float32 result goes: the output itself, or scratch narrowed into it afterwards (`post`). */
export function f32Output(
  ctx: LowerContext,
  out: LoweredValue,
  hint: string,
): { buffer: string; post: Kernel[] } {
  if (out.dtype === 'float32') return { buffer: out.buffer, post: [] };
  const n = sizeOf(out.shape);
  const buffer = ctx.scratch('float32', n, hint);
  return { buffer, post: [convertKernel(ctx, { buffer, dtype: 'float32' }, out, n)] };
}
