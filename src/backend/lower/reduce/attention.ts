import type { DType } from '../../../ir/dtype.js';
import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  load,
  select,
  store,
  unary,
} from '../../kernel/build.js';
import type { Expr, GemmCall, Index, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowering, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, product, zero } from './common.js';
import { nest, rowKernel, scalarDtype, X, type At, type Bound, type Dim, type Pass } from './rows.js';

/**
 * Attention (opsets 23/24): softmax(softcap(Q K^T * scale) + bias) V per (batch, query head), query
 * head h reading KV head h / (Hq / Hkv). The bias is the mask (bool or additive, broadcast, -inf past
 * its last column), the causal frontier and the nonpad key padding. float32 runs both products as
 * gemm calls on strided views (3-D inputs need no head split); other dtypes use loop nests. Scores live
 * in a [B, Hq, Sq, T] scratch; the past/present KV cache is a concatenation kernel.
 */
interface AttentionAttrs {
  readonly is_causal: number;
  readonly kv_num_heads?: number;
  readonly q_num_heads?: number;
  readonly qk_matmul_output_mode: number;
  readonly scale?: number;
  readonly softcap: number;
}

/** A [B, H, S, D] operand: element (b, h, s, d) at b*sb + h*sh + s*ss + d. */
interface Heads {
  readonly buffer: string;
  readonly dtype: DType;
  readonly B: number;
  readonly H: number;
  readonly S: number;
  readonly D: number;
  readonly sb: number;
  readonly sh: number;
  readonly ss: number;
}

function headsOf(v: LoweredValue, heads: number | undefined): Heads {
  const { buffer, dtype, shape } = v;
  if (shape.length === 4) {
    const [B, H, S, D] = shape as [number, number, number, number];
    return { buffer, dtype, B, H, S, D, sb: H * S * D, sh: S * D, ss: D };
  }
  if (shape.length !== 3 || !heads)
    throw new LoweringUnsupported('3-D inputs need q_num_heads and kv_num_heads');
  const [B, S, hidden] = shape as [number, number, number];
  const D = hidden / heads;
  return { buffer, dtype, B, H: heads, S, D, sb: S * hidden, sh: D, ss: hidden };
}

function packed(buffer: string, dtype: DType, B: number, H: number, S: number, D: number): Heads {
  return { buffer, dtype, B, H, S, D, sb: H * S * D, sh: S * D, ss: D };
}

const attention: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as AttentionAttrs;
  const q = headsOf(input(ctx, 0, 'Q'), attrs.q_num_heads);
  const kCur = headsOf(input(ctx, 1, 'K'), attrs.kv_num_heads);
  const vCur = headsOf(input(ctx, 2, 'V'), attrs.kv_num_heads);
  const type = floatType(q.dtype, 'Attention');
  if (q.H % kCur.H !== 0 || kCur.H !== vCur.H)
    throw new LoweringUnsupported(`${q.H} query heads over ${kCur.H} KV heads`);
  const kernels: Kernel[] = [];
  const k = present(ctx, 1, kCur, ctx.inputs[4], kernels);
  const v = present(ctx, 2, vCur, ctx.inputs[5], kernels);
  const T = k.S;
  const scores = ctx.scratch(scalarDtype(type), q.B * q.H * q.S * T, 'attention_scores');
  const useGemm = type === 'f32' && q.dtype === 'float32';
  const shape = { B: q.B, Hq: q.H, Hkv: k.H, Sq: q.S, T };
  kernels.push(useGemm ? scoresGemm(ctx, q, k, scores, shape) : scoresLoops(ctx, q, k, scores, shape, type));
  kernels.push(softmaxRows(ctx, attrs, scores, shape, type, q.D, k.S - kCur.S));
  const y = ctx.outputs[0]!;
  const yHeads: Heads =
    y.shape.length === 4
      ? packed(y.buffer, y.dtype, q.B, q.H, q.S, v.D)
      : {
          buffer: y.buffer,
          dtype: y.dtype,
          B: q.B,
          H: q.H,
          S: q.S,
          D: v.D,
          sb: q.S * q.H * v.D,
          sh: v.D,
          ss: q.H * v.D,
        };
  kernels.push(
    useGemm ? outputGemm(ctx, scores, v, yHeads, shape) : outputLoops(ctx, scores, v, yHeads, shape, type),
  );
  return { kernels };
};

/** The present cache past ++ current in [B, H, T, D] (output 1/2 or scratch); the current input when neither is needed. */
function present(
  ctx: LowerContext,
  slot: 1 | 2,
  cur: Heads,
  past: LoweredValue | undefined,
  kernels: Kernel[],
): Heads {
  const out = ctx.outputs[slot];
  if (!past && !out) return cur;
  const P = past ? past.shape[2]! : 0;
  const T = P + cur.S;
  const buffer =
    out?.buffer ??
    ctx.scratch(cur.dtype, cur.B * cur.H * T * cur.D, slot === 1 ? 'present_key' : 'present_value');
  const dst = packed(buffer, cur.dtype, cur.B, cur.H, T, cur.D);
  const p = ctx.fresh('kv');
  const copy = (src: Heads, S: number, at: number): Stmt[] => {
    const dims: Bound[] = [
      { dim: { extent: cur.B, strides: [src.sb, dst.sb] }, v: `${p}b` },
      { dim: { extent: cur.H, strides: [src.sh, dst.sh] }, v: `${p}h` },
      { dim: { extent: S, strides: [src.ss, dst.ss] }, v: `${p}s` },
      { dim: { extent: cur.D, strides: [1, 1] }, v: `${p}d` },
    ];
    const ix = (slotIx: number, offset: number): Index => ({
      terms: dims.map((d) => ({ v: d.v, stride: d.dim.strides[slotIx]! })),
      offset,
    });
    return nest(
      dims,
      [store(dst.buffer, dst.dtype, ix(1, at * dst.ss), load(src.buffer, src.dtype, ix(0, 0)))],
      true,
    );
  };
  const body = [...(past ? copy(headsOf(past, undefined), P, 0) : []), ...copy(cur, cur.S, P)];
  kernels.push({
    name: `attention_kvcache_${dtypeTag(cur.dtype)}`,
    node: ctx.node.name,
    reads: [cur.buffer, ...(past ? [past.buffer] : [])],
    writes: [buffer],
    body,
  });
  return dst;
}

interface Shape {
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly Sq: number;
  readonly T: number;
}

/** Every (batch, query head, KV head) triple, for the unrolled gemm calls. */
function headPairs({ B, Hq, Hkv }: Shape): { b: number; h: number; kvh: number }[] {
  const reps = Hq / Hkv;
  const out: { b: number; h: number; kvh: number }[] = [];
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) out.push({ b, h, kvh: Math.floor(h / reps) });
  return out;
}

function scoresGemm(ctx: LowerContext, q: Heads, k: Heads, scores: string, s: Shape): Kernel {
  const body: GemmCall[] = headPairs(s).map(({ b, h, kvh }) => ({
    op: 'gemm',
    m: s.Sq,
    n: s.T,
    k: q.D,
    a: { buffer: q.buffer, offset: b * q.sb + h * q.sh, rowStride: q.ss, colStride: 1 },
    b: { buffer: k.buffer, offset: b * k.sb + kvh * k.sh, rowStride: 1, colStride: k.ss },
    c: { buffer: scores, offset: (b * s.Hq + h) * s.Sq * s.T, rowStride: s.T, colStride: 1 },
    accumulate: false,
  }));
  return {
    name: 'attention_qk_gemm_f32',
    node: ctx.node.name,
    reads: [q.buffer, k.buffer],
    writes: [scores],
    body,
  };
}

function outputGemm(ctx: LowerContext, scores: string, v: Heads, y: Heads, s: Shape): Kernel {
  const body: GemmCall[] = headPairs(s).map(({ b, h, kvh }) => ({
    op: 'gemm',
    m: s.Sq,
    n: v.D,
    k: s.T,
    a: { buffer: scores, offset: (b * s.Hq + h) * s.Sq * s.T, rowStride: s.T, colStride: 1 },
    b: { buffer: v.buffer, offset: b * v.sb + kvh * v.sh, rowStride: v.ss, colStride: 1 },
    c: { buffer: y.buffer, offset: b * y.sb + h * y.sh, rowStride: y.ss, colStride: 1 },
    accumulate: false,
  }));
  return {
    name: 'attention_pv_gemm_f32',
    node: ctx.node.name,
    reads: [scores, v.buffer],
    writes: [y.buffer],
    body,
  };
}

/** Loops b, KV head, its query heads, query position; query head h = kvh * reps + r stays affine. */
function headLoops(p: string, s: Shape, strides: (which: 'b' | 'kvh' | 'r' | 'i') => number[]): Bound[] {
  const reps = s.Hq / s.Hkv;
  return [
    { dim: { extent: s.B, strides: strides('b') }, v: `${p}b` },
    { dim: { extent: s.Hkv, strides: strides('kvh') }, v: `${p}g` },
    { dim: { extent: reps, strides: strides('r') }, v: `${p}r` },
    { dim: { extent: s.Sq, strides: strides('i') }, v: `${p}i` },
  ];
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
function scoresLoops(ctx: LowerContext, q: Heads, k: Heads, scores: string, s: Shape, type: Scalar): Kernel {
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
function outputLoops(ctx: LowerContext, scores: string, v: Heads, y: Heads, s: Shape, type: Scalar): Kernel {
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

// slots of the softmax rows: scores (X), the mask, the query index i and the batch index b
const MASK = 2;
const QI = 3;
const BATCH = 4;

/** Scale, softcap, bias and softmax over each score row in place, writing qk_matmul_output on the way. */
function softmaxRows(
  ctx: LowerContext,
  attrs: AttentionAttrs,
  scores: string,
  s: Shape,
  type: Scalar,
  headSize: number,
  past: number,
): Kernel {
  const mask = ctx.inputs[3];
  const nonpad = ctx.inputs[6];
  const qk = ctx.outputs[3];
  const mode = qk ? attrs.qk_matmul_output_mode : -1;
  if (mode < -1 || mode > 3) throw new LoweringUnsupported(`qk_matmul_output_mode ${mode}`);
  const reps = s.Hq / s.Hkv;
  const ms = maskStrides(mask, s);
  const short = ms.length < s.T;
  const dim = (extent: number, x: number, m: number, i: number, b: number): Dim => ({
    extent,
    strides: [x, 0, m, i, b],
  });
  const rows = {
    outer: [
      dim(s.B, s.Hq * s.Sq * s.T, ms.b, 0, 1),
      dim(s.Hkv, reps * s.Sq * s.T, reps * ms.h, 0, 0),
      dim(reps, s.Sq * s.T, ms.h, 0, 0),
      dim(s.Sq, s.T, ms.i, 1, 0),
    ].filter((d) => d.extent !== 1),
    reduced: s.T === 1 ? [] : [dim(s.T, 1, short ? 0 : 1, 0, 0)],
  };
  const work = scalarDtype(type);
  const minusInf = constant(type, -Infinity);
  const p = ctx.fresh('sm');
  const sv: Expr = { op: 'local', name: `${p}s`, type };
  const set = (value: Expr): Stmt => ({ op: 'set', name: `${p}s`, type, value });
  const saveQk = (at: At, m: number): Stmt[] =>
    mode === m ? [store(qk!.buffer, qk!.dtype, at.index(X), sv)] : [];
  const scale = attrs.scale ?? 1 / Math.sqrt(headSize);

  const bias = (at: At): Expr => {
    let add: Expr = zero(type);
    if (mask) {
      // a mask shorter than T reads its last column through a clamped index; those keys get -inf anyway
      const index = at.index(MASK);
      const m = load(
        mask.buffer,
        mask.dtype,
        short ? { ...index, dynamic: binary('min', 'i32', at.pos, constant('i32', ms.length - 1)) } : index,
      );
      add =
        mask.dtype === 'bool'
          ? select(type, m, zero(type), minusInf)
          : convert(computeType(mask.dtype), type, m);
      if (short) add = select(type, compare('ge', 'i32', at.pos, constant('i32', ms.length)), minusInf, add);
    }
    const valid: Expr | undefined = nonpad
      ? convert(
          computeType(nonpad.dtype),
          'i32',
          load(nonpad.buffer, nonpad.dtype, { terms: [], offset: 0, dynamic: at.affine(BATCH) }),
        )
      : undefined;
    if (attrs.is_causal) {
      const offset =
        past > 0 || !valid ? constant('i32', past) : binary('sub', 'i32', valid, constant('i32', s.Sq));
      const frontier = binary('add', 'i32', at.affine(QI), offset);
      add = select(type, compare('gt', 'i32', at.pos, frontier), minusInf, add);
    }
    if (valid) add = select(type, compare('ge', 'i32', at.pos, valid), minusInf, add);
    return add;
  };

  const passes: Pass[] = [
    {
      kind: 'reduce',
      accs: [{ name: 'max', type, init: () => minusInf }],
      body: (at) => [
        set(binary('mul', type, load(scores, work, at.index(X)), constant(type, scale))),
        ...saveQk(at, 0),
        ...(attrs.softcap > 0
          ? [
              set(
                binary(
                  'mul',
                  type,
                  constant(type, attrs.softcap),
                  unary('tanh', type, binary('div', type, sv, constant(type, attrs.softcap))),
                ),
              ),
            ]
          : []),
        ...saveQk(at, 1),
        set(binary('add', type, sv, bias(at))),
        ...saveQk(at, 2),
        store(scores, work, at.index(X), sv),
        at.assign('max', select(type, compare('gt', type, sv, at.acc('max')), sv, at.acc('max'))),
      ],
    },
    {
      kind: 'reduce',
      accs: [{ name: 'sum', type, init: () => zero(type) }],
      body: (at) => [
        set(unary('exp', type, binary('sub', type, load(scores, work, at.index(X)), at.acc('max')))),
        store(scores, work, at.index(X), sv),
        at.assign('sum', binary('add', type, at.acc('sum'), sv)),
      ],
    },
    {
      kind: 'map',
      body: (at) => [
        set(binary('div', type, load(scores, work, at.index(X)), at.acc('sum'))),
        store(scores, work, at.index(X), sv),
        ...saveQk(at, 3),
      ],
    },
  ];
  const reads = [scores, ...(mask ? [mask.buffer] : []), ...(nonpad ? [nonpad.buffer] : [])];
  const writes = [scores, ...(qk ? [qk.buffer] : [])];
  return rowKernel(ctx, `attention_softmax_${dtypeTag(ctx.inputs[0]!.dtype)}`, rows, passes, {
    reads,
    writes,
  });
}

/** The mask viewed as [B, Hq, Sq, T], right-aligned, size-1 dims broadcast; a short last dim is padded with -inf. */
function maskStrides(
  mask: LoweredValue | undefined,
  s: Shape,
): { b: number; h: number; i: number; length: number } {
  if (!mask) return { b: 0, h: 0, i: 0, length: s.T };
  const shape = mask.shape;
  if (shape.length < 1 || shape.length > 4) throw new LoweringUnsupported(`mask of rank ${shape.length}`);
  const padded = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  const full = [s.B, s.Hq, s.Sq, s.T];
  const strides = [0, 0, 0, 0];
  let n = 1;
  for (let d = 3; d >= 0; d--) {
    if (d < 3 && padded[d] !== 1 && padded[d] !== full[d])
      throw new LoweringUnsupported(`mask [${shape}] does not broadcast to [${full}]`);
    strides[d] = padded[d] === 1 ? 0 : n;
    n *= padded[d]!;
  }
  if (padded[3]! > s.T) throw new LoweringUnsupported(`mask covers ${padded[3]} keys, more than ${s.T}`);
  if (product(shape) === 0) throw new LoweringUnsupported('empty mask');
  return { b: strides[0]!, h: strides[1]!, i: strides[2]!, length: padded[3]! };
}

registerLowerings({ Attention: attention });
