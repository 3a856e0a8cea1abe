import { isFloat } from '../../../ir/dtype.js';
import { toNumbers, type Tensor } from '../../../ir/tensor.js';
import { normalizeAxes } from '../../../ops/support/axes.js';
import {
  resizeTarget,
  type AspectPolicy,
  type CoordinateMode,
} from '../../../ops/image/resize-coordinates.js';
import {
  axisTaps,
  isIdentity,
  type AxisTaps,
  type NearestMode,
  type ResizeMode,
} from '../../../ops/image/resize-taps.js';
import { binary, compare, computeType, constant, load, select, store } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, input, output, product } from './common.js';
import { nest, rowMajor, scalarDtype, type Bound } from './rows.js';

/**
 * Resize with constant scales/sizes/roi: the reference's own per-axis taps (input index and weight of
 * every output index, edge-clamped; which positions tf_crop_and_resize extrapolates) are computed at
 * compile time and stored as constant tables, so every mode and coordinate transform the reference
 * has comes out the same. Nearest is one gather over all dims (any dtype, copied exactly); linear
 * and cubic run one pass per resized axis, innermost first like the reference, vectorized across the
 * dims after the axis, with float32 intermediates (float64 for float64 data).
 */
interface ResizeAttrs {
  readonly mode: ResizeMode;
  readonly coordinate_transformation_mode: CoordinateMode;
  readonly nearest_mode: NearestMode;
  readonly cubic_coeff_a: number;
  readonly exclude_outside: number;
  readonly extrapolation_value: number;
  readonly antialias: number;
  readonly axes: readonly number[] | undefined;
  readonly keep_aspect_ratio_policy: AspectPolicy;
}

/** An optional input that is present and not the empty placeholder of opsets 11-12. */
function given(ctx: LowerContext, i: number): Tensor | undefined {
  const v = ctx.inputs[i];
  if (!v || v.shape.reduce((a, b) => a * b, 1) === 0) return undefined;
  if (!v.constant) throw new LoweringUnsupported(`Resize input ${i} must be a compile-time constant`);
  return v.constant;
}

const resize: Lowering = (ctx) => {
  const a = ctx.attrs as unknown as ResizeAttrs;
  const x = input(ctx, 0, 'X');
  const out = output(ctx);
  const rank = x.shape.length;
  const axes = a.axes ? normalizeAxes(a.axes, rank) : Array.from({ length: rank }, (_, i) => i);
  const scales = given(ctx, 2);
  const sizes = given(ctx, 3);
  if (!scales === !sizes) throw new LoweringUnsupported('Resize needs exactly one of scales and sizes');
  const target = resizeTarget(
    x.shape,
    axes,
    scales && toNumbers(scales),
    sizes && toNumbers(sizes),
    a.keep_aspect_ratio_policy,
  );
  if (target.outShape.some((n, d) => n !== out.shape[d]))
    throw new LoweringUnsupported('Resize output shape mismatch');
  if (product(out.shape) === 0) return { kernels: [] };
  if (x.shape.includes(0)) throw new LoweringUnsupported('Resize of an empty input to a non-empty output');
  const roi = roiReader(
    a.coordinate_transformation_mode === 'tf_crop_and_resize' ? given(ctx, 1) : undefined,
    axes,
  );
  const options = {
    mode: a.mode,
    coordinateMode: a.coordinate_transformation_mode,
    nearestMode: a.nearest_mode,
    cubicA: a.cubic_coeff_a,
    excludeOutside: a.exclude_outside !== 0,
    antialias: a.antialias !== 0,
  };
  const taps = x.shape.map((inLen, d) => {
    const [start, extent] = roi(d);
    const t = axisTaps(options, inLen, out.shape[d]!, target.scales[d]!, start, extent);
    return isIdentity(t) ? undefined : t;
  });
  if (a.mode === 'nearest') return { kernels: [nearest(ctx, taps, a.extrapolation_value)] };
  if (!isFloat(x.dtype)) throw new LoweringUnsupported(`${a.mode} Resize of ${x.dtype}`);
  return { kernels: separable(ctx, taps, a.extrapolation_value, a.mode) };
};

/** (start, end - start) of the tf_crop_and_resize roi per dim, as the reference reads it. */
function roiReader(roi: Tensor | undefined, axes: readonly number[]): (d: number) => [number, number] {
  if (!roi) return () => [0, 1];
  const r = toNumbers(roi);
  if (r.length !== 2 * axes.length)
    throw new LoweringUnsupported(`roi has ${r.length} entries for ${axes.length} axes`);
  const byDim = new Map<number, [number, number]>();
  axes.forEach((d, i) => {
    const extent = r[axes.length + i]! - r[i]!;
    byDim.set(d, [r[i]!, roi.dtype === 'float32' ? Math.fround(extent) : extent]);
  });
  return (d) => byDim.get(d) ?? [0, 1];
}

function int32Table(ctx: LowerContext, values: ArrayLike<number>, hint: string): string {
  return ctx.constant({ dtype: 'int32', shape: [values.length], data: Int32Array.from(values) }, hint);
}

const i32 = (buffer: string, v: string, scale = 1): Expr =>
  load(buffer, 'int32', { terms: [{ v, stride: scale }], offset: 0 });

/** Tap offsets of one axis in elements of a tensor whose axis stride is `stride` (0 where extrapolated). */
function offsets(t: AxisTaps, stride: number): Int32Array {
  return t.index.map((i, k) => (t.outside?.[Math.floor(k / t.width)] ? 0 : i * stride));
}

/** The output as a gather: resized dims read their tap through a table, the others are affine. */
function nearest(ctx: LowerContext, taps: readonly (AxisTaps | undefined)[], extrapolation: number): Kernel {
  const x = input(ctx, 0, 'X');
  const out = output(ctx);
  const p = ctx.fresh('z');
  const xs = rowMajor(x.shape);
  const outStrides = rowMajor(out.shape);
  // size-1 output dims get no loop: their index is 0
  const looped = out.shape.flatMap((extent, d) => (extent === 1 ? [] : [d]));
  const vars = out.shape.map((extent, d) => (extent === 1 ? undefined : `${p}${d}`));
  const bound: Bound[] = looped.map((d) => ({
    dim: { extent: out.shape[d]!, strides: [outStrides[d]!] },
    v: vars[d]!,
  }));
  const terms: { v: string; stride: number }[] = [];
  const tables: string[] = [];
  let dynamic: Expr | undefined;
  let outside: Expr | undefined;
  const entry = (table: string, v: string | undefined): Expr =>
    load(table, 'int32', { terms: v ? [{ v, stride: 1 }] : [], offset: 0 });
  taps.forEach((t, d) => {
    const v = vars[d];
    if (!t) {
      if (v) terms.push({ v, stride: xs[d]! });
      return;
    }
    tables.push(int32Table(ctx, offsets(t, xs[d]!), 'resize_nearest'));
    const gathered = entry(tables[tables.length - 1]!, v);
    dynamic = dynamic ? binary('add', 'i32', dynamic, gathered) : gathered;
    if (t.outside?.includes(1)) {
      tables.push(int32Table(ctx, t.outside, 'resize_outside'));
      const flag = entry(tables[tables.length - 1]!, v);
      outside = outside ? binary('or', 'i32', outside, flag) : flag;
    }
  });
  const index: Index = dynamic ? { terms, offset: 0, dynamic } : { terms, offset: 0 };
  const type = computeType(x.dtype);
  let value = load(x.buffer, x.dtype, index);
  if (outside) value = select(type, outside, extrapolationOf(type, extrapolation), value);
  const outIndex: Index = { terms: bound.map((b) => ({ v: b.v, stride: b.dim.strides[0]! })), offset: 0 };
  return {
    name: `resize_nearest_${dtypeTag(x.dtype)}`,
    node: ctx.node.name,
    reads: [x.buffer, ...tables],
    writes: [out.buffer],
    // the innermost loop vectorizes only when its reads are affine (not a gather through a table)
    body: nest(
      bound,
      [store(out.buffer, out.dtype, outIndex, value)],
      looped.length > 0 && taps[looped[looped.length - 1]!] === undefined,
      true,
    ),
  };
}

/** The fill value in the compute type (integers truncate, as the reference's setElement does). */
function extrapolationOf(type: Scalar, v: number): Expr {
  if (type === 'i64') return constant('i64', BigInt(Number.isFinite(v) ? Math.trunc(v) : 0));
  if (type === 'i32') return constant('i32', Number.isFinite(v) ? Math.trunc(v) | 0 : 0);
  return constant(type, v);
}

/** One weighted-sum pass per resized axis, innermost axis first. */
function separable(
  ctx: LowerContext,
  taps: readonly (AxisTaps | undefined)[],
  extrapolation: number,
  mode: string,
): Kernel[] {
  const x = input(ctx, 0, 'X');
  const out = output(ctx);
  const type = computeType(x.dtype);
  const work = scalarDtype(type);
  const passes = taps
    .map((t, d) => ({ t, d }))
    .filter((e): e is { t: AxisTaps; d: number } => e.t !== undefined)
    .reverse();
  if (passes.length === 0) {
    // every axis is the identity: a copy
    const n = product(x.shape);
    const v = `${ctx.fresh('c')}i`;
    const ix: Index = { terms: [{ v, stride: 1 }], offset: 0 };
    const body = nest(
      [{ dim: { extent: n, strides: [1] }, v }],
      [store(out.buffer, out.dtype, ix, load(x.buffer, x.dtype, ix))],
      true,
      true,
    );
    return [
      {
        name: `resize_copy_${dtypeTag(x.dtype)}`,
        node: ctx.node.name,
        reads: [x.buffer],
        writes: [out.buffer],
        body,
      },
    ];
  }
  const shape = [...x.shape];
  let src = { buffer: x.buffer, dtype: x.dtype };
  return passes.map(({ t, d }, k) => {
    const last = k === passes.length - 1;
    const outer = product(shape.slice(0, d));
    const inner = product(shape.slice(d + 1));
    const dst = last
      ? { buffer: out.buffer, dtype: out.dtype }
      : { buffer: ctx.scratch(work, outer * t.outLen * inner, 'resize_pass'), dtype: work };
    const kernel = axisPass(
      ctx,
      `resize_${mode}_${inner > 1 ? 'inner' : 'lastaxis'}_${dtypeTag(x.dtype)}`,
      t,
      { outer, inner },
      src,
      dst,
      type,
      extrapolation,
    );
    shape[d] = t.outLen;
    src = dst;
    return kernel;
  });
}

/** dst[o, j, i] = sum over taps of weight[j, k] * src[o, index[j, k], i] (or the extrapolation value). */
function axisPass(
  ctx: LowerContext,
  name: string,
  t: AxisTaps,
  { outer, inner }: { outer: number; inner: number },
  src: { buffer: string; dtype: Parameters<typeof load>[1] },
  dst: { buffer: string; dtype: Parameters<typeof load>[1] },
  type: Scalar,
  extrapolation: number,
): Kernel {
  const p = ctx.fresh('y');
  const [o, j, i] = [`${p}o`, `${p}j`, `${p}i`];
  const offs = int32Table(ctx, offsets(t, inner), 'resize_taps');
  const weights = ctx.constant(
    {
      dtype: scalarDtype(type),
      shape: [t.weight.length],
      data: type === 'f64' ? Float64Array.from(t.weight) : Float32Array.from(t.weight),
    },
    'resize_weights',
  );
  const reads = [src.buffer, offs, weights];
  const rowTerms = (len: number) => [
    ...(outer > 1 ? [{ v: o, stride: len * inner }] : []),
    ...(inner > 1 ? [{ v: i, stride: 1 }] : []),
  ];
  let sum: Expr | undefined;
  for (let k = 0; k < t.width; k++) {
    const tap = { v: j, stride: t.width };
    const w = load(weights, scalarDtype(type), { terms: [tap], offset: k });
    const at = load(offs, 'int32', { terms: [tap], offset: k });
    const v = load(src.buffer, src.dtype, { terms: rowTerms(t.inLen), offset: 0, dynamic: at });
    const term = binary('mul', type, w, v);
    sum = sum ? binary('add', type, sum, term) : term;
  }
  let value = sum!;
  if (t.outside?.includes(1)) {
    const flags = int32Table(ctx, t.outside, 'resize_outside');
    reads.push(flags);
    const cond = compare('ne', 'i32', i32(flags, j), constant('i32', 0));
    value = select(type, cond, constant(type, extrapolation), value);
  }
  const dstIndex: Index = { terms: [...rowTerms(t.outLen), { v: j, stride: inner }], offset: 0 };
  let body: Stmt[] = [store(dst.buffer, dst.dtype, dstIndex, value)];
  if (inner > 1) body = [{ op: 'loop', v: i, extent: inner, body, vectorize: true }];
  body = [{ op: 'loop', v: j, extent: t.outLen, body, ...(outer > 1 ? {} : { parallel: true }) }];
  if (outer > 1) body = [{ op: 'loop', v: o, extent: outer, body, parallel: true }];
  return { name, node: ctx.node.name, reads, writes: [dst.buffer], body };
}

registerLowerings({ Resize: resize });
