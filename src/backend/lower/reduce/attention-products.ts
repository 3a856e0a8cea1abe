import type { DType } from '../../../ir/dtype.js';
import { binary, computeType, convert, load, store } from '../../kernel/build.js';
import type { Expr, GemmCall, Index, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import type { Heads, Shape } from './attention.js';
import { dtypeTag, zero } from './common.js';
import { nest, scalarDtype, type Bound } from './rows.js';
import { copyBox } from '../linalg/nest.js';

/**
 * The two products of Attention: scores = Q K^T and Y = P V per (batch, query head). float32 runs
 * them as gemm calls on strided views (3-D inputs need no head split); K is first copied to K^T
 * [B, Hkv, D, T] so the scores GEMM reads contiguous rows of B (the splat tile; over K's strided
 * columns it ran a dot-product tile, 10% slower on bert_small's heads). Each head is its own kernel, a
 * lone gemm the threads split by rows. Other dtypes run loop nests accumulating in the compute type.
 */
/** Every (batch, query head, KV head) triple, for the unrolled gemm calls. */
function headPairs({ B, Hq, Hkv }: Shape): { b: number; h: number; kvh: number }[] {
  const reps = Hq / Hkv;
  const out: { b: number; h: number; kvh: number }[] = [];
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) out.push({ b, h, kvh: Math.floor(h / reps) });
  return out;
}

export function scoresGemm(ctx: LowerContext, q: Heads, k: Heads, scores: string, s: Shape): Kernel[] {
  const kt = ctx.scratch('float32', k.B * k.H * k.D * s.T, 'attention_kt');
  const copy = copyBox(
    ctx.fresh('kt'),
    'float32',
    [k.B, k.H, k.D, s.T],
    { buffer: k.buffer, offset: 0, strides: [k.sb, k.sh, 1, k.ss] },
    { buffer: kt, offset: 0, strides: [k.H * k.D * s.T, k.D * s.T, s.T, 1] },
  );
  const calls: GemmCall[] = headPairs(s).map(({ b, h, kvh }) => ({
    op: 'gemm',
    m: s.Sq,
    n: s.T,
    k: q.D,
    a: { buffer: q.buffer, offset: b * q.sb + h * q.sh, rowStride: q.ss, colStride: 1 },
    b: { buffer: kt, offset: (b * k.H + kvh) * k.D * s.T, rowStride: s.T, colStride: 1 },
    c: { buffer: scores, offset: (b * s.Hq + h) * s.Sq * s.T, rowStride: s.T, colStride: 1 },
    accumulate: false,
  }));
  return [
    { name: 'attention_kt_f32', node: ctx.node.name, reads: [k.buffer], writes: [kt], body: copy },
    ...perCall(ctx, 'attention_qk_gemm_f32', calls, [q.buffer, kt], [scores]),
  ];
}

/**
 * One kernel per call: a lone gemm the threads split by rows. (All heads' calls in one kernel, dealt
 * out whole, measured bert_small 4% slower at 2 threads.)
 */
function perCall(
  ctx: LowerContext,
  name: string,
  calls: readonly GemmCall[],
  reads: readonly string[],
  writes: readonly string[],
): Kernel[] {
  return calls.map((call) => ({
    name,
    node: ctx.node.name,
    reads: [...reads],
    writes: [...writes],
    body: [call],
  }));
}

export function outputGemm(ctx: LowerContext, scores: string, v: Heads, y: Heads, s: Shape): Kernel[] {
  const calls: GemmCall[] = headPairs(s).map(({ b, h, kvh }) => ({
    op: 'gemm',
    m: s.Sq,
    n: v.D,
    k: s.T,
    a: { buffer: scores, offset: (b * s.Hq + h) * s.Sq * s.T, rowStride: s.T, colStride: 1 },
    b: { buffer: v.buffer, offset: b * v.sb + kvh * v.sh, rowStride: v.ss, colStride: 1 },
    c: { buffer: y.buffer, offset: b * y.sb + h * y.sh, rowStride: y.ss, colStride: 1 },
    accumulate: false,
  }));
  return perCall(ctx, 'attention_pv_gemm_f32', calls, [scores, v.buffer], [y.buffer]);
}

/** Loops b, KV head, its query heads, query position; query head h = kvh * reps + r stays affine. */
function headLoops(p: string, s: Shape, strides: (which: 'b' | 'kvh' | 'r' | 'i') => number[]): Bound[] {
  const reps = s.Hq / s.Hkv;
  const loops: Bound[] = [
    { dim: { extent: s.B, strides: strides('b') }, v: `${p}b` },
    { dim: { extent: s.Hkv, strides: strides('kvh') }, v: `${p}g` },
    { dim: { extent: reps, strides: strides('r') }, v: `${p}r` },
    { dim: { extent: s.Sq, strides: strides('i') }, v: `${p}i` },
  ];
  // size-1 dims get no loop, so the outermost real one is shared among threads
  return loops.filter((l) => l.dim.extent !== 1);
}

function indexOf(
  bound: readonly Bound[],
  slot: number,
  extra: readonly { v: string; stride: number }[] = [],
): Index {
  return {
    terms: [...bound.map((b) => ({ v: b.v, stride: b.dim.strides[slot]! })), ...extra].filter(
      (t) => t.stride !== 0,
    ),
    offset: 0,
  };
}

function dotLoops(
  ctx: LowerContext,
  name: string,
  s: Shape,
  strides: (which: 'b' | 'kvh' | 'r' | 'i') => number[],
  inner: { extent: number; a: number; out: number },
  reduce: { extent: number; a: number; b: number },
  bufs: {
    a: { buffer: string; dtype: DType };
    b: { buffer: string; dtype: DType };
    out: { buffer: string; dtype: DType };
  },
  type: Scalar,
): Kernel {
  const p = ctx.fresh('at');
  const loops = headLoops(p, s, strides);
  const [c, r, acc] = [`${p}c`, `${p}k`, `${p}acc`];
  const a = load(bufs.a.buffer, bufs.a.dtype, indexOf(loops, 0, [{ v: r, stride: reduce.a }]));
  const b = load(
    bufs.b.buffer,
    bufs.b.dtype,
    indexOf(loops, 1, [
      { v: c, stride: inner.a },
      { v: r, stride: reduce.b },
    ]),
  );
  const prod = binary(
    'mul',
    type,
    convert(computeType(bufs.a.dtype), type, a),
    convert(computeType(bufs.b.dtype), type, b),
  );
  const sum: Expr = { op: 'local', name: acc, type };
  const body: Stmt[] = [
    { op: 'set', name: acc, type, value: zero(type) },
    {
      op: 'loop',
      v: r,
      extent: reduce.extent,
      body: [{ op: 'set', name: acc, type, value: binary('add', type, sum, prod) }],
    },
    store(bufs.out.buffer, bufs.out.dtype, indexOf(loops, 2, [{ v: c, stride: inner.out }]), sum),
  ];
  return {
    name,
    node: ctx.node.name,
    reads: [bufs.a.buffer, bufs.b.buffer],
    writes: [bufs.out.buffer],
    body: nest(loops, [{ op: 'loop', v: c, extent: inner.extent, body }], false, true),
  };
}

/** scores[b, h, i, j] = sum_d q[b, h, i, d] * k[b, kvh, j, d] (slots: q, k, scores). */
export function scoresLoops(
  ctx: LowerContext,
  q: Heads,
  k: Heads,
  scores: string,
  s: Shape,
  type: Scalar,
): Kernel {
  const reps = s.Hq / s.Hkv;
  const strides = (w: 'b' | 'kvh' | 'r' | 'i'): number[] => {
    if (w === 'b') return [q.sb, k.sb, s.Hq * s.Sq * s.T];
    if (w === 'kvh') return [reps * q.sh, k.sh, reps * s.Sq * s.T];
    if (w === 'r') return [q.sh, 0, s.Sq * s.T];
    return [q.ss, 0, s.T];
  };
  const bufs = { a: q, b: k, out: { buffer: scores, dtype: scalarDtype(type) } };
  return dotLoops(
    ctx,
    `attention_qk_${dtypeTag(q.dtype)}`,
    s,
    strides,
    { extent: s.T, a: k.ss, out: 1 },
    { extent: q.D, a: 1, b: 1 },
    bufs,
    type,
  );
}

/** y[b, h, i, d] = sum_j p[b, h, i, j] * v[b, kvh, j, d] (slots: scores, v, y). */
export function outputLoops(
  ctx: LowerContext,
  scores: string,
  v: Heads,
  y: Heads,
  s: Shape,
  type: Scalar,
): Kernel {
  const reps = s.Hq / s.Hkv;
  const strides = (w: 'b' | 'kvh' | 'r' | 'i'): number[] => {
    if (w === 'b') return [s.Hq * s.Sq * s.T, v.sb, y.sb];
    if (w === 'kvh') return [reps * s.Sq * s.T, v.sh, reps * y.sh];
    if (w === 'r') return [s.Sq * s.T, 0, y.sh];
    return [s.T, 0, y.ss];
  };
  const bufs = { a: { buffer: scores, dtype: scalarDtype(type) }, b: v, out: y };
  return dotLoops(
    ctx,
    `attention_pv_${dtypeTag(v.dtype)}`,
    s,
    strides,
    { extent: v.D, a: 1, out: 1 },
    { extent: s.T, a: 1, b: v.ss },
    bufs,
    type,
  );
}
