import { indexValues } from '../../../ops/movement/copy.js';
import { elementOffsets, ndAddressing } from '../../../ops/movement/gather.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import { encodeHalf } from '../linalg/gemm-tile.js';
import { toFloat32 } from '../../../ir/tensor.js';
import { binary, load, store } from '../../kernel/build.js';
import type { Expr, Index, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  bitsDType,
  copyNest,
  i32,
  inputOf,
  kernelOf,
  kernelsOf,
  local,
  outputOf,
  readIndex,
  times,
  widthName,
  withDynamic,
} from './common.js';
import { runsOf } from './maps.js';
import { emitNormalized, rowMajor } from './nest.js';

/**
 * Gather, GatherElements, GatherND and Compress. Run-time indices are read in the kernel (negative
 * ones wrapped, out-of-range ones clamped); constant indices are checked at compile time and become
 * affine copies when they form few arithmetic runs, or a table of offsets otherwise.
 */

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const at = (v: string, stride = 1, offset = 0): Index => ({ terms: stride ? [{ v, stride }] : [], offset });

/** More runs than this and constant indices become a table: a nest per run stops paying off. */
const MAX_RUNS = 8;

interface Rows {
  readonly x: LoweredValue;
  readonly out: LoweredValue;
  /** Product of the axes before the gathered one, the gathered axis, and the axes after it. */
  readonly outer: number;
  readonly dim: number;
  readonly inner: number;
  readonly rows: number;
  /** Statements that set the i32 local `name` to the row read at output row `j`. */
  readonly rowIndex: (j: string, name: string) => Stmt[];
  /** Elements per unit of the row index (default `inner`; 1 when it is already an element offset). */
  readonly scale?: number;
}

/**
 * An auto-cast table (embeddings): its 16-bit copy, read and widened by the gather, so the output
 * stays float32 and the float32 table never enters the NEFF.
 */
function halfTable(ctx: LowerContext, x: LoweredValue): LoweredValue | undefined {
  if (!x.half || !x.constant) return undefined;
  const bits = encodeHalf(toFloat32(x.constant), x.half);
  const buffer = ctx.constant({ dtype: x.half, shape: [...x.shape], data: bits }, `table_${x.half}`);
  return { buffer, dtype: x.half, shape: x.shape };
}

/** out[o, j, i] = x[o, row(j), i]: one row index per j, then a contiguous copy of the row. */
function gatherRows(ctx: LowerContext, g: Rows): Stmt[] {
  const v = ctx.fresh('g');
  const [o, j, i, t] = [`${v}o`, `${v}j`, `${v}i`, `${v}row`];
  // a 16-bit table widens as it is read; other copies move bits
  const [from, to] = g.x.half ? [g.x.half, g.out.dtype] : [bitsDType(g.x.dtype), bitsDType(g.x.dtype)];
  const outerTerm = (stride: number) => (g.outer > 1 ? [{ v: o, stride }] : []);
  const dst: Index = { terms: [...outerTerm(g.rows * g.inner), { v: j, stride: g.inner }], offset: 0 };
  const src: Index = withDynamic(
    { terms: outerTerm(g.dim * g.inner), offset: 0 },
    times(local(t), g.scale ?? g.inner),
  );
  const inStep = (ix: Index): Index =>
    g.inner > 1 ? { ...ix, terms: [...ix.terms, { v: i, stride: 1 }] } : ix;
  const copy = store(g.out.buffer, to, inStep(dst), load(g.x.buffer, from, inStep(src)));
  const row: Stmt[] =
    g.inner > 1 ? [{ op: 'loop', v: i, extent: g.inner, body: [copy], vectorize: true }] : [copy];
  const rowsLoop: Stmt = {
    op: 'loop',
    v: j,
    extent: g.rows,
    body: [...g.rowIndex(j, t), ...row],
    ...(g.outer > 1 ? {} : { parallel: true }),
  };
  return g.outer > 1 ? [{ op: 'loop', v: o, extent: g.outer, body: [rowsLoop], parallel: true }] : [rowsLoop];
}

/** Gather along `a` with indices known at compile time (already wrapped and range-checked). */
function gatherConstant(
  ctx: LowerContext,
  x: LoweredValue,
  out: LoweredValue,
  a: number,
  idx: Int32Array,
): Stmt[] {
  const outer = sizeOf(x.shape.slice(0, a));
  const dim = x.shape[a]!;
  const inner = sizeOf(x.shape.slice(a + 1));
  const runs = runsOf(idx);
  if (runs.length <= MAX_RUNS && !x.half) {
    return runs.flatMap((r) => {
      if (r.kind !== 'affine') return [];
      const nest = {
        extents: [outer, r.length, inner],
        accesses: [
          { offset: r.start * inner, strides: [idx.length * inner, inner, 1] },
          { offset: r.src * inner, strides: [dim * inner, r.step * inner, 1] },
        ],
      };
      return copyNest(out.buffer, x.buffer, x.dtype, nest, ctx.fresh('r'));
    });
  }
  const table = ctx.constant({ dtype: 'int32', shape: [idx.length], data: idx }, 'indices');
  return gatherRows(ctx, {
    x,
    out,
    outer,
    dim,
    inner,
    rows: idx.length,
    rowIndex: (j, name) => [{ op: 'set', name, type: 'i32', value: load(table, 'int32', at(j)) }],
  });
}

function gather(ctx: LowerContext): Lowered {
  const data = inputOf(ctx, 0, 'Gather data');
  const half = halfTable(ctx, data);
  const x: LoweredValue = half ? { ...half, half: data.half! } : data;
  const ind = inputOf(ctx, 1, 'Gather indices');
  const out = outputOf(ctx);
  const a = normalizeAxis(ctx.attrs.axis as number, x.shape.length);
  const name = `gather_${ind.constant ? 'const' : 'dynamic'}_${widthName(x.dtype)}`;
  if (sizeOf(out.shape) === 0) return { kernels: [] };
  if (ind.constant) {
    const idx = indexValues(ind.constant, x.shape[a]!, 'Gather');
    const body = gatherConstant(ctx, x, out, a, idx);
    return { kernels: kernelsOf(ctx, name, body) };
  }
  const dim = x.shape[a]!;
  const body = gatherRows(ctx, {
    x,
    out,
    outer: sizeOf(x.shape.slice(0, a)),
    dim,
    inner: sizeOf(x.shape.slice(a + 1)),
    rows: sizeOf(ind.shape),
    rowIndex: (j, n) => readIndex(n, { buffer: ind.buffer, dtype: ind.dtype, index: at(j) }, dim),
  });
  return { kernels: [kernelOf(ctx, name, body, [x.buffer, ind.buffer], [out.buffer])] };
}

function gatherElements(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'GatherElements data');
  const ind = inputOf(ctx, 1, 'GatherElements indices');
  const out = outputOf(ctx);
  const a = normalizeAxis(ctx.attrs.axis as number, x.shape.length);
  const bits = bitsDType(x.dtype);
  if (sizeOf(out.shape) === 0) return { kernels: [] };
  const t = ctx.fresh('ge');
  if (ind.constant) {
    const offsets = elementOffsets(x.shape, ind.constant, a, 'GatherElements');
    const table = ctx.constant({ dtype: 'int32', shape: [offsets.length], data: offsets }, 'offsets');
    const nest = { extents: [offsets.length], accesses: [{ offset: 0, strides: [1] }] };
    const body = emitNormalized(
      nest,
      t,
      ([p]) => [
        store(
          out.buffer,
          bits,
          p!,
          load(x.buffer, bits, { terms: [], offset: 0, dynamic: load(table, 'int32', p!) }),
        ),
      ],
      { parallel: true },
    );
    const name = `gatherelements_const_${widthName(x.dtype)}`;
    return { kernels: [kernelOf(ctx, name, body, [x.buffer, table], [out.buffer])] };
  }
  const xs = rowMajor(x.shape);
  const os = rowMajor(ind.shape);
  const nest = {
    extents: ind.shape,
    accesses: [
      { offset: 0, strides: os },
      { offset: 0, strides: xs.map((s, d) => (d === a ? 0 : s)) },
      { offset: 0, strides: os },
    ],
  };
  const row = `${t}row`;
  const body = emitNormalized(
    nest,
    t,
    ([o, s, i]) => [
      ...readIndex(row, { buffer: ind.buffer, dtype: ind.dtype, index: i! }, x.shape[a]!),
      store(out.buffer, bits, o!, load(x.buffer, bits, withDynamic(s!, times(local(row), xs[a]!)))),
    ],
    { parallel: true },
  );
  const name = `gatherelements_dynamic_${widthName(x.dtype)}`;
  return { kernels: [kernelOf(ctx, name, body, [x.buffer, ind.buffer], [out.buffer])] };
}

/** GatherND: each index tuple (k values over data's axes b..b+k) selects a block of the rest. */
function gatherND(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'GatherND data');
  const ind = inputOf(ctx, 1, 'GatherND indices');
  const out = outputOf(ctx);
  const b = ctx.attrs.batch_dims as number;
  const k = ind.shape[ind.shape.length - 1]!;
  if (sizeOf(out.shape) === 0) return { kernels: [] };
  const block = sizeOf(x.shape.slice(b + k));
  const tuples = sizeOf(ind.shape.slice(0, -1));
  const batches = sizeOf(x.shape.slice(0, b));
  const xs = rowMajor(x.shape);
  const batchStride = b === 0 ? 0 : xs[b - 1]!;
  const perBatch = tuples / batches;
  let rowIndex: (j: string, name: string) => Stmt[];
  const reads = [x.buffer];
  if (ind.constant) {
    const nd = ndAddressing(x.shape, ind.constant, b, 'GatherND');
    const table = ctx.constant({ dtype: 'int32', shape: [tuples], data: nd.offsets }, 'offsets');
    reads.push(table);
    rowIndex = (j, name) => [{ op: 'set', name, type: 'i32', value: load(table, 'int32', at(j)) }];
  } else {
    reads.push(ind.buffer);
    // the tuple's flat offset within its batch; the batch's own offset comes from the row number
    rowIndex = (j, name) => {
      const parts = Array.from({ length: k }, (_, c) => `${name}${c}_`);
      const stmts = parts.flatMap((p, c) =>
        readIndex(p, { buffer: ind.buffer, dtype: ind.dtype, index: at(j, k, c) }, x.shape[b + c]!),
      );
      const terms: Expr[] = parts.map((p, c) => times(local(p), xs[b + c]!));
      if (b > 0) terms.push(times(binary('div', 'i32', { op: 'var', name: j }, i32(perBatch)), batchStride));
      const sum = terms.length ? terms.reduce((acc, e) => binary('add', 'i32', acc, e)) : i32(0);
      return [...stmts, { op: 'set', name, type: 'i32', value: sum }];
    };
  }
  // each tuple's offset is already in elements: a gather of `tuples` rows of `block` elements
  const body = gatherRows(ctx, { x, out, outer: 1, dim: 0, inner: block, rows: tuples, rowIndex, scale: 1 });
  const name = `gathernd_${ind.constant ? 'const' : 'dynamic'}_${widthName(x.dtype)}`;
  return { kernels: [kernelOf(ctx, name, body, reads, [out.buffer])] };
}

/** Compress with a constant condition is a Gather of the kept positions (of the flattened input without an axis). */
function compress(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Compress input');
  const cond = ctx.inputs[1]?.constant;
  if (!cond) throw new LoweringUnsupported('Compress with a run-time condition has a data-dependent shape');
  const out = outputOf(ctx);
  const flat = ctx.attrs.axis === undefined;
  const view = flat ? { ...x, shape: [sizeOf(x.shape)] } : x;
  const a = flat ? 0 : normalizeAxis(ctx.attrs.axis as number, x.shape.length);
  const n = Math.min(cond.data.length, view.shape[a]!);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (cond.data[i]) kept.push(i);
  if (kept.length === 0) return { kernels: [] };
  const body = gatherConstant(ctx, view, out, a, Int32Array.from(kept));
  const name = `compress_${widthName(x.dtype)}`;
  return { kernels: kernelsOf(ctx, name, body) };
}

registerLowerings({ Gather: gather, GatherElements: gatherElements, GatherND: gatherND, Compress: compress });
