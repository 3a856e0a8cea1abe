import type { DType } from '../../../ir/dtype.js';
import { sizeOf, stridesOf } from '../../../ir/tensor.js';
import { labelSizes, parseEinsum } from '../../../ops/linalg/einsum-parse.js';
import { binary, computeType, load, store } from '../../kernel/build.js';
import type { Expr, GemmCall, Kernel } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, matrix, output, suffix, usesF32Gemm } from './common.js';
import { copyBox, levelVar, nest, zeroFill } from './nest.js';

/**
 * Einsum, in the reference's order: each operand is a strided view over its distinct labels
 * (a repeated label is a diagonal: its strides add; a broadcast ellipsis dim has stride 0),
 * labels nobody needs later are summed out, then operands are contracted left to right, each
 * pair as GEMMs over its batch labels ([batch, left, summed] x [batch, summed, right]). A view
 * whose label groups do not merge into one row and one column stride is transposed into scratch
 * first. float64 and integers (and products with very many batches) use a sum-of-products loop nest.
 */
const MAX_GEMM_CALLS = 256;

interface View {
  readonly buffer: string;
  readonly dtype: DType;
  readonly labels: readonly number[];
  readonly strides: readonly number[];
}

type Sizes = ReadonlyMap<number, number>;

/** The working dtype of intermediates: float32 for the float32 family, else the compute dtype. */
function workDtype(dtype: DType): DType {
  if (usesF32Gemm(dtype)) return 'float32';
  if (dtype === 'float64') return 'float64';
  return computeType(dtype) === 'i64' ? 'int64' : 'int32';
}

function contiguousView(buffer: string, dtype: DType, labels: readonly number[], sizes: Sizes): View {
  return { buffer, dtype, labels, strides: stridesOf(labels.map((l) => sizes.get(l)!)) };
}

function strideOf(v: View, l: number): number {
  return v.strides[v.labels.indexOf(l)] ?? 0;
}

/** out[outLabels] = sum over the other labels of the product of the views (out is contiguous). */
function sumProduct(ctx: LowerContext, views: readonly View[], out: View, sizes: Sizes): Kernel {
  const t = computeType(out.dtype);
  const summed = [...new Set(views.flatMap((v) => v.labels))].filter((l) => !out.labels.includes(l));
  const order = [...summed, ...out.labels];
  const f = ctx.fresh('es');
  const vars = new Map(
    order.map((l) => [l, levelVar(`${f}${l < 0 ? `e${-l}` : String.fromCharCode(l)}`, sizes.get(l)!)]),
  );
  const at = (v: View) =>
    ix(
      0,
      v.labels.map((l) => [vars.get(l), strideOf(v, l)] as [string | undefined, number]),
    );
  let prod: Expr | undefined;
  for (const v of views) {
    const x = load(v.buffer, v.dtype, at(v));
    prod = prod ? binary('mul', t, prod, x) : x;
  }
  const outIx = at(out);
  const acc = store(
    out.buffer,
    out.dtype,
    outIx,
    binary('add', t, load(out.buffer, out.dtype, outIx), prod!),
  );
  const levels = order.map((l, k) => ({
    v: vars.get(l),
    extent: sizes.get(l)!,
    vectorize: k === order.length - 1 && out.labels.length > 0,
  }));
  const n = sizeOf(out.labels.map((l) => sizes.get(l)!));
  const body = [
    ...zeroFill(out.buffer, out.dtype, 0, n, `${f}_z`),
    ...nest(levels, [acc], summed.length === 0),
  ];
  return kernel(ctx, `einsum_${views.length > 1 ? 'contract' : 'reduce'}_loops_${suffix(out.dtype)}`, body);
}

/** The view with labels outside `keep` summed out (into scratch), or itself. */
function reduce(
  ctx: LowerContext,
  v: View,
  keep: (l: number) => boolean,
  sizes: Sizes,
  ks: Kernel[],
  work: DType,
): View {
  if (v.labels.every(keep)) return v;
  const labels = v.labels.filter(keep);
  const out = contiguousView(
    ctx.scratch(work, sizeOf(labels.map((l) => sizes.get(l)!)), 'einsum_sum'),
    work,
    labels,
    sizes,
  );
  ks.push(sumProduct(ctx, [v], out, sizes));
  return out;
}

/** The view re-laid out contiguously in `labels` order (and in `dtype`). */
function arrange(
  ctx: LowerContext,
  v: View,
  labels: readonly number[],
  sizes: Sizes,
  ks: Kernel[],
  dtype: DType,
  dest?: string,
): View {
  const dims = labels.map((l) => sizes.get(l)!);
  const buffer = dest ?? ctx.scratch(dtype, sizeOf(dims), 'einsum_perm');
  const out = contiguousView(buffer, dtype, labels, sizes);
  const body = copyBox(
    ctx.fresh('ep'),
    dtype,
    dims,
    { buffer: v.buffer, offset: 0, strides: labels.map((l) => strideOf(v, l)), dtype: v.dtype },
    { buffer, offset: 0, strides: out.strides },
  );
  ks.push(kernel(ctx, `einsum_transpose_${suffix(v.dtype)}_${suffix(dtype)}`, body));
  return out;
}

/** One stride for a group of labels (row-major over them), or undefined when they do not merge. */
function merged(v: View, group: readonly number[], sizes: Sizes): number | undefined {
  const g = group.filter((l) => sizes.get(l) !== 1);
  for (let i = 0; i + 1 < g.length; i++) {
    if (strideOf(v, g[i]!) !== strideOf(v, g[i + 1]!) * sizes.get(g[i + 1]!)!) return undefined;
  }
  return g.length ? strideOf(v, g[g.length - 1]!) : 0;
}

/** a x b over their shared labels; the result has labels [batch, left, right]. */
function contract(
  ctx: LowerContext,
  a: View,
  b: View,
  later: Set<number>,
  sizes: Sizes,
  ks: Kernel[],
  work: DType,
  dest?: string,
): View {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && later.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !later.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !inA.has(l));
  const labels = [...batch, ...left, ...right];
  const prod = (ls: readonly number[]) => sizeOf(ls.map((l) => sizes.get(l)!));
  const [T, M, K, N] = [prod(batch), prod(left), prod(summed), prod(right)];
  const out = contiguousView(dest ?? ctx.scratch(work, T * M * N, 'einsum_prod'), work, labels, sizes);
  if (work !== 'float32' || T > MAX_GEMM_CALLS) {
    ks.push(sumProduct(ctx, [a, b], out, sizes));
    return out;
  }
  let va = a;
  let vb = b;
  if (a.dtype !== 'float32' || merged(a, left, sizes) === undefined || merged(a, summed, sizes) === undefined)
    va = arrange(ctx, a, [...batch, ...left, ...summed], sizes, ks, 'float32');
  if (
    b.dtype !== 'float32' ||
    merged(b, summed, sizes) === undefined ||
    merged(b, right, sizes) === undefined
  )
    vb = arrange(ctx, b, [...batch, ...summed, ...right], sizes, ks, 'float32');
  const calls: GemmCall[] = [];
  const batchSizes = batch.map((l) => sizes.get(l)!);
  const bStr = stridesOf(batchSizes);
  for (let tb = 0; tb < T; tb++) {
    const offset = (v: View) =>
      batch.reduce((s, l, k) => s + (Math.floor(tb / bStr[k]!) % batchSizes[k]!) * strideOf(v, l), 0);
    calls.push({
      op: 'gemm',
      m: M,
      n: N,
      k: K,
      a: matrix(va.buffer, offset(va), merged(va, left, sizes)!, merged(va, summed, sizes)!),
      b: matrix(vb.buffer, offset(vb), merged(vb, summed, sizes)!, merged(vb, right, sizes)!),
      c: matrix(out.buffer, tb * M * N, N),
      accumulate: false,
    });
  }
  ks.push(kernel(ctx, `einsum_${T > 1 ? 'batch_' : ''}gemm_f32`, calls));
  return out;
}

function lowerEinsum(ctx: LowerContext): Lowered {
  const eq = (ctx.attrs as { equation?: string }).equation;
  if (eq === undefined) throw new LoweringUnsupported('Einsum without an equation');
  const ins = ctx.inputs.map((v, i) => {
    if (!v) throw new LoweringUnsupported(`Einsum input ${i} is missing`);
    return v;
  });
  const y = output(ctx);
  if (y.dtype === 'bool') throw new LoweringUnsupported('Einsum of bool');
  const spec = parseEinsum(
    eq,
    ins.map((v) => v.shape.length),
  );
  const sizes = labelSizes(
    spec,
    ins.map((v) => v.shape),
  ) as Map<number, number>;
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  const work = workDtype(y.dtype);
  const views: View[] = ins.map((v, i) => {
    const labels = spec.inputs[i]!;
    const st = stridesOf(v.shape);
    const distinct = [...new Set(labels)];
    // a repeated label walks the diagonal; a size-1 dim broadcast against a larger one stays put
    const strides = distinct.map((l) =>
      labels.reduce((s, m, k) => (m === l && !(v.shape[k] === 1 && sizes.get(l)! > 1) ? s + st[k]! : s), 0),
    );
    return { buffer: v.buffer, dtype: v.dtype, labels: distinct, strides };
  });
  const ks: Kernel[] = [];
  const outLabels = spec.output;
  const neededAfter = (i: number) => new Set([...outLabels, ...spec.inputs.slice(i + 1).flat()]);
  let acc = reduce(ctx, views[0]!, (l) => neededAfter(0).has(l), sizes, ks, work);
  for (let i = 1; i < views.length; i++) {
    const later = neededAfter(i);
    const accNeeds = new Set([...later, ...views[i]!.labels]);
    const a = reduce(ctx, acc, (l) => accNeeds.has(l), sizes, ks, work);
    const b = reduce(ctx, views[i]!, (l) => later.has(l) || a.labels.includes(l), sizes, ks, work);
    // the last product writes Y directly when its label order is already Y's
    const inB = new Set(b.labels);
    const order = [
      ...a.labels.filter((l) => inB.has(l) && later.has(l)),
      ...a.labels.filter((l) => !inB.has(l)),
      ...b.labels.filter((l) => !a.labels.includes(l)),
    ];
    const direct = i === views.length - 1 && y.dtype === work && order.join() === outLabels.join();
    acc = contract(ctx, a, b, later, sizes, ks, work, direct ? y.buffer : undefined);
  }
  acc = reduce(ctx, acc, (l) => outLabels.includes(l), sizes, ks, work);
  if (acc.buffer !== y.buffer) arrange(ctx, acc, outLabels, sizes, ks, y.dtype, y.buffer);
  return { kernels: ks };
}

registerLowerings({ Einsum: lowerEinsum });
