import type { DType } from '../../../ir/dtype.js';
import { intsOf } from '../../../ops/movement/dims.js';
import { OpError } from '../../../ops/op.js';
import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  load,
  select,
  store,
  DTYPE_SHORT_NAMES,
} from '../../kernel/build.js';
import type { Expr, Index, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import { emitNormalized, normalizeNest, type Nest } from './nest.js';
import { tileCopy } from './tiling.js';

/**
 * What the family's kernels share: storage-exact copies and fills, kernel naming, and the reading of
 * run-time index tensors.
 */

/**
 * The dtype a copy loads and stores its elements as. Halves move as their uint16 bit patterns: the
 * f16/bf16 load widens to f32 and the store rounds back, which turns every NaN into the canonical
 * quiet NaN (payload and sign lost); moving the bits is exact and needs no conversion code. Every
 * other storage round-trips through its own load and store (i64 stays i64; f32/f64 loads and stores
 * do not touch the bits).
 */
export function bitsDType(dtype: DType): DType {
  return dtype === 'float16' || dtype === 'bfloat16' ? 'uint16' : dtype;
}

const WIDTH: Record<DType, string> = {
  float32: 'x32',
  float16: 'x16',
  bfloat16: 'x16',
  float64: 'x64',
  int8: 'x8',
  int16: 'x16',
  int32: 'x32',
  int64: 'x64',
  uint8: 'x8',
  uint16: 'x16',
  uint32: 'x32',
  uint64: 'x64',
  bool: 'x8',
};

const SHORT = DTYPE_SHORT_NAMES;

/** Kernels that only move bits are named by element width (XNNPACK's `x32`), others by dtype. */
export function widthName(dtype: DType): string {
  return WIDTH[dtype];
}

export function dtypeName(dtype: DType): string {
  return SHORT[dtype];
}

/**
 * A kernel of this node. Its reads and writes are every buffer the body loads and stores (so a table
 * or scratch buffer cannot be left out), plus any listed.
 */
export function kernelOf(
  ctx: LowerContext,
  name: string,
  body: readonly Stmt[],
  reads: readonly string[] = [],
  writes: readonly string[] = [],
): Kernel {
  const r = new Set(reads);
  const w = new Set(writes);
  const expr = (e: Expr | undefined): void => {
    if (!e) return;
    switch (e.op) {
      case 'load':
        r.add(e.buffer);
        return expr(e.index.dynamic);
      case 'unary':
      case 'convert':
        return expr(e.x);
      case 'binary':
      case 'compare':
        expr(e.a);
        return expr(e.b);
      case 'select':
        expr(e.cond);
        expr(e.a);
        return expr(e.b);
    }
  };
  const stmt = (x: Stmt): void => {
    if (x.op === 'loop') x.body.forEach(stmt);
    else if (x.op === 'if') {
      expr(x.cond);
      x.then.forEach(stmt);
      x.else.forEach(stmt);
    } else if (x.op === 'set') expr(x.value);
    else if (x.op === 'store') {
      w.add(x.buffer);
      expr(x.index.dynamic);
      expr(x.value);
    }
  };
  body.forEach(stmt);
  return { name, node: ctx.node.name, reads: [...r], writes: [...w], body };
}

/** Iterations of a statement: the product of the extents of its deepest loop chain. */
function work(s: Stmt): number {
  if (s.op !== 'loop') return 1;
  return s.extent * Math.max(1, ...s.body.map(work));
}

/** Below this many iterations a loop nest is not worth a barrier between thread shares. */
const THREAD_MIN_WORK = 1 << 15;

/**
 * The kernels of a body made of independent top-level statements (nests writing disjoint parts of
 * the outputs). The renderer splits a kernel over threads only when its body is one parallel loop,
 * so each large nest becomes a kernel of its own; consecutive small ones share a kernel.
 */
export function kernelsOf(ctx: LowerContext, name: string, body: readonly Stmt[]): Kernel[] {
  const kernels: Kernel[] = [];
  let group: Stmt[] = [];
  const flush = (): void => {
    if (group.length) kernels.push(kernelOf(ctx, name, group));
    group = [];
  };
  for (const s of body) {
    if (work(s) >= THREAD_MIN_WORK) {
      flush();
      kernels.push(kernelOf(ctx, name, [s]));
    } else group.push(s);
  }
  flush();
  return kernels;
}

export function inputOf(ctx: LowerContext, i: number, what: string): LoweredValue {
  const v = ctx.inputs[i];
  if (!v) throw new LoweringUnsupported(`${what} (input ${i}) is missing`);
  return v;
}

export function outputOf(ctx: LowerContext, i = 0): LoweredValue {
  const v = ctx.outputs[i];
  if (!v) throw new LoweringUnsupported(`output ${i} is missing`);
  return v;
}

/** The values of a constant integer input; shapes, axes and pads must be known when the kernel is generated. */
export function constantInts(ctx: LowerContext, i: number, what: string): number[] {
  const v = inputOf(ctx, i, what);
  if (!v.constant) throw new LoweringUnsupported(`${what} must be a compile-time constant`);
  return intsOf(v.constant);
}

/** dst[...] = src[...] over a nest of (dst, src) accesses, bit-exact for every dtype. */
export function copyNest(dst: string, src: string, dtype: DType, nest: Nest, prefix: string): Stmt[] {
  const bits = bitsDType(dtype);
  const norm = normalizeNest(nest);
  if (!norm) return [];
  return tileCopy(norm).flatMap((n, k) =>
    emitNormalized(n, `${prefix}${k}_`, ([d, s]) => [store(dst, bits, d!, load(src, bits, s!))], {
      vectorize: true,
      parallel: true,
    }),
  );
}

/** dst[...] = value over a nest with one access; `value` is in the compute type of `storeAs`. */
export function fillNest(dst: string, storeAs: DType, value: Expr, nest: Nest, prefix: string): Stmt[] {
  return emitNormalized(nest, prefix, ([d]) => [store(dst, storeAs, d!, value)], {
    vectorize: true,
    parallel: true,
  });
}

/**
 * A raw storage value (what the typed array holds: a half's bits, a uint32 as a positive number, a
 * uint64 as a bigint) as a constant that stores back to exactly those bits with `bitsDType(dtype)`.
 */
export function rawConstant(dtype: DType, raw: number | bigint): Expr {
  const bits = bitsDType(dtype);
  const type = computeType(bits);
  if (type === 'i64') return constant('i64', BigInt.asIntN(64, BigInt(raw)));
  if (type === 'i32') return constant('i32', Number(raw) | 0);
  return constant(type, Number(raw));
}

/** An index is a run-time tensor of one of these dtypes. */
export function indexType(dtype: DType, what: string): Scalar {
  if (dtype === 'int32') return 'i32';
  if (dtype === 'int64') return 'i64';
  throw new LoweringUnsupported(`${what} of dtype ${dtype} (int32 or int64 expected)`);
}

/**
 * Statements that set `name` (i32) to an index read at run time, negative values counted from the
 * end of an axis of `dim`, then clamped into [0, dim): the reference rejects out-of-range indices,
 * compiled code cannot raise, and a clamped read stays inside the tensor instead of reading another
 * buffer. `valid`, if given, is set to 1 when the index was in range (scatters skip the others).
 */
export function readIndex(
  name: string,
  from: { buffer: string; dtype: DType; index: Index },
  dim: number,
  valid?: string,
): Stmt[] {
  const t = indexType(from.dtype, 'an index tensor');
  // every index into an empty axis is out of range: a gather would read outside the tensor
  if (dim === 0 && !valid) throw new OpError('indices into an axis of size 0');
  const raw = `${name}raw`;
  const x: Expr = { op: 'local', name: raw, type: t };
  const c = (v: number) => constant(t, t === 'i64' ? BigInt(v) : v);
  const wrapped: Expr = select(t, compare('lt', t, x, c(0)), binary('add', t, x, c(dim)), x);
  const w = `${name}w`;
  const wl: Expr = { op: 'local', name: w, type: t };
  const out: Stmt[] = [
    { op: 'set', name: raw, type: t, value: load(from.buffer, from.dtype, from.index) },
    { op: 'set', name: w, type: t, value: wrapped },
  ];
  if (valid) {
    const ok = binary('and', 'i32', compare('ge', t, wl, c(0)), compare('lt', t, wl, c(dim)));
    out.push({ op: 'set', name: valid, type: 'i32', value: ok });
  }
  const clamped = binary('min', t, binary('max', t, wl, c(0)), c(Math.max(dim - 1, 0)));
  out.push({ op: 'set', name, type: 'i32', value: convert(t, 'i32', clamped) });
  return out;
}

export function local(name: string, type: Scalar = 'i32'): Expr {
  return { op: 'local', name, type };
}

export function i32(v: number): Expr {
  return constant('i32', v);
}

/** `a * k` in i32, folded when k is 1. */
export function times(a: Expr, k: number): Expr {
  return k === 1 ? a : binary('mul', 'i32', a, i32(k));
}

/** An index with a data-dependent part added. */
export function withDynamic(ix: Index, dynamic: Expr): Index {
  return ix.dynamic ? { ...ix, dynamic: binary('add', 'i32', ix.dynamic, dynamic) } : { ...ix, dynamic };
}
