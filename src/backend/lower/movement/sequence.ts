import { getNumber } from '../../../ir/tensor.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import { OpError } from '../../../ops/op.js';
import { binary, compare, constant, convert, load, select, store } from '../../kernel/build.js';
import type { Expr, Index, Scalar, Stmt } from '../../kernel/ir.js';
import type { LowerContext, Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  bitsDType,
  copyNest,
  indexType,
  inputOf,
  kernelOf,
  kernelsOf,
  local,
  outputOf,
  times,
  widthName,
} from './common.js';
import { rowMajor } from './nest.js';

/** Ops over a time axis: ReverseSequence and TensorScatter (the KV-cache update of opset 24). */

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Constant lengths for at most this many sequences become two affine copies each. */
const MAX_AFFINE_BATCH = 16;

function reverseSequence(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'ReverseSequence input');
  const lens = inputOf(ctx, 1, 'ReverseSequence sequence_lens');
  const out = outputOf(ctx);
  const rank = x.shape.length;
  const [b, t] = [
    normalizeAxis(ctx.attrs.batch_axis as number, rank),
    normalizeAxis(ctx.attrs.time_axis as number, rank),
  ];
  if (rank < 2 || b > 1 || t > 1 || b === t) throw new OpError('ReverseSequence axes must be 0 and 1');
  const [batch, time] = [x.shape[b]!, x.shape[t]!];
  const strides = rowMajor(x.shape);
  const [sb, st] = [strides[b]!, strides[t]!];
  const inner = sizeOf(x.shape.slice(2));
  const name = `reversesequence_${widthName(x.dtype)}`;
  if (sizeOf(x.shape) === 0) return { kernels: [] };
  if (lens.constant && batch <= MAX_AFFINE_BATCH) {
    const body: Stmt[] = [];
    for (let i = 0; i < batch; i++) {
      const len = getNumber(lens.constant, i);
      if (len < 0 || len > time) throw new OpError(`ReverseSequence length ${len} exceeds ${time} steps`);
      const region = (from: number, n: number, srcFrom: number, step: number) => ({
        extents: [n, inner],
        accesses: [
          { offset: i * sb + from * st, strides: [st, 1] },
          { offset: i * sb + srcFrom * st, strides: [step * st, 1] },
        ],
      });
      body.push(...copyNest(out.buffer, x.buffer, x.dtype, region(0, len, len - 1, -1), ctx.fresh('r')));
      body.push(...copyNest(out.buffer, x.buffer, x.dtype, region(len, time - len, len, 1), ctx.fresh('r')));
    }
    return { kernels: kernelsOf(ctx, name, body) };
  }
  // per (batch, step): the source step is len-1-step inside the sequence, the step itself after it
  const ty = indexType(lens.dtype, 'ReverseSequence sequence_lens');
  const v = ctx.fresh('rs');
  const [d0, d1, i, len, src] = [`${v}0`, `${v}1`, `${v}i`, `${v}len`, `${v}src`];
  const [bv, tv] = b === 0 ? [d0, d1] : [d1, d0];
  const raw = load(lens.buffer, lens.dtype, { terms: [{ v: bv, stride: 1 }], offset: 0 });
  const c = (n: number): Expr => constant(ty, ty === 'i64' ? BigInt(n) : n);
  const clamped = convert(ty, 'i32', binary('min', ty, binary('max', ty, raw, c(0)), c(time)));
  const tVar: Expr = { op: 'var', name: tv };
  const reversed = binary('sub', 'i32', binary('sub', 'i32', local(len), constant('i32', 1)), tVar);
  const inSeq = compare('lt', 'i32', tVar, local(len));
  const bits = bitsDType(x.dtype);
  const withInner = (ix: Index): Index =>
    inner > 1 ? { ...ix, terms: [...ix.terms, { v: i, stride: 1 }] } : ix;
  const dst = withInner({
    terms: [
      { v: d0, stride: strides[0]! },
      { v: d1, stride: strides[1]! },
    ],
    offset: 0,
  });
  const from = withInner({ terms: [{ v: bv, stride: sb }], offset: 0, dynamic: times(local(src), st) });
  const copy = store(out.buffer, bits, dst, load(x.buffer, bits, from));
  const body: Stmt[] = [
    {
      op: 'loop',
      v: d0,
      extent: x.shape[0]!,
      parallel: true,
      body: [
        {
          op: 'loop',
          v: d1,
          extent: x.shape[1]!,
          body: [
            { op: 'set', name: len, type: 'i32', value: clamped },
            { op: 'set', name: src, type: 'i32', value: select('i32', inSeq, reversed, tVar) },
            ...(inner > 1
              ? [{ op: 'loop', v: i, extent: inner, body: [copy], vectorize: true } as Stmt]
              : [copy]),
          ],
        },
      ],
    },
  ];
  return { kernels: [kernelOf(ctx, name, body, [x.buffer, lens.buffer], [out.buffer])] };
}

/**
 * TensorScatter: every prefix of the axes before `axis` writes its update rows at write_indices[batch]
 * onwards (modulo the cache length in circular mode). Rows that fall outside a linear cache are
 * skipped: the reference rejects them, compiled code cannot raise.
 */
function tensorScatter(ctx: LowerContext): Lowered {
  const past = inputOf(ctx, 0, 'TensorScatter past_cache');
  const update = inputOf(ctx, 1, 'TensorScatter update');
  const w = ctx.inputs[2];
  const out = outputOf(ctx);
  const rank = past.shape.length;
  const a = normalizeAxis(ctx.attrs.axis as number, rank);
  if (a === 0) throw new OpError('TensorScatter axis cannot be the batch axis');
  const circular = ctx.attrs.mode === 'circular';
  const [maxSeq, seq] = [past.shape[a]!, update.shape[a]!];
  const inner = sizeOf(past.shape.slice(a + 1));
  const batches = past.shape[0]!;
  const perBatch = sizeOf(past.shape.slice(1, a));
  const whole = sizeOf(past.shape);
  const kernelName = `tensorscatter_${circular ? 'circular' : 'linear'}_${widthName(past.dtype)}`;
  const copy = copyNest(
    out.buffer,
    past.buffer,
    past.dtype,
    {
      extents: [whole],
      accesses: [
        { offset: 0, strides: [1] },
        { offset: 0, strides: [1] },
      ],
    },
    ctx.fresh('d'),
  );
  const ty: Scalar = w ? indexType(w.dtype, 'TensorScatter write_indices') : 'i32';
  const v = ctx.fresh('ts');
  const [bv, q, s, i, start, row] = ['b', 'q', 's', 'i', 'w', 'row'].map((n) => `${v}${n}`) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const c = (n: number): Expr => constant(ty, ty === 'i64' ? BigInt(n) : n);
  const startValue: Expr = w ? load(w.buffer, w.dtype, { terms: [{ v: bv, stride: 1 }], offset: 0 }) : c(0);
  const pos = binary('add', ty, local(start, ty), convert('i32', ty, { op: 'var', name: s }));
  const m = c(maxSeq);
  const wrapped = circular ? binary('rem', ty, binary('add', ty, binary('rem', ty, pos, m), m), m) : pos;
  const valid = binary(
    'and',
    'i32',
    compare('ge', ty, local(row, ty), c(0)),
    compare('lt', ty, local(row, ty), m),
  );
  const bits = bitsDType(past.dtype);
  const prefix = (n: number) => [
    { v: bv, stride: perBatch * n * inner },
    { v: q, stride: n * inner },
  ];
  const withInner = (ix: Index): Index =>
    inner > 1 ? { ...ix, terms: [...ix.terms, { v: i, stride: 1 }] } : ix;
  const dst = withInner({
    terms: prefix(maxSeq),
    offset: 0,
    dynamic: times(convert(ty, 'i32', local(row, ty)), inner),
  });
  const src = withInner({ terms: [...prefix(seq), { v: s, stride: inner }], offset: 0 });
  const one = store(out.buffer, bits, dst, load(update.buffer, bits, src));
  const rowCopy: Stmt[] =
    inner > 1 ? [{ op: 'loop', v: i, extent: inner, body: [one], vectorize: true }] : [one];
  const steps: Stmt = {
    op: 'loop',
    v: s,
    extent: seq,
    body: [
      { op: 'set', name: row, type: ty, value: wrapped },
      ...(circular ? rowCopy : [{ op: 'if', cond: valid, then: rowCopy, else: [] } as Stmt]),
    ],
  };
  const scatter: Stmt[] =
    sizeOf(update.shape) === 0
      ? []
      : [
          {
            op: 'loop',
            v: bv,
            extent: batches,
            parallel: true,
            body: [
              { op: 'set', name: start, type: ty, value: startValue },
              { op: 'loop', v: q, extent: perBatch, body: [steps] },
            ],
          },
        ];
  const reads = [past.buffer, update.buffer, ...(w ? [w.buffer] : [])];
  return {
    kernels: [
      kernelOf(ctx, `${kernelName}_init`, copy, [past.buffer], [out.buffer]),
      kernelOf(ctx, kernelName, scatter, reads, [out.buffer]),
    ],
  };
}

registerLowerings({ ReverseSequence: reverseSequence, TensorScatter: tensorScatter });
