import type { DType } from '../../../ir/dtype.js';
import type { Expr, Index, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import { load, store } from '../../kernel/build.js';
import type { LowerContext } from '../lowering.js';

/**
 * The shared generator of this family: a tensor seen as rows. `outer` dims pick a row, `reduced`
 * dims walk along it, and an optional `inner` dim (kept, stride 1) runs beside the reduction.
 * Kernels are sequences of passes over each row: reductions into accumulators, per-row statements,
 * and element maps. With no inner dim (last-axis reductions: softmax, layer norm) accumulators are
 * scalar `set` locals; with one, every pass runs vectorized across it and accumulators live in
 * scratch buffers of one value per (row, inner) position, so threads never share one.
 */

/** One loop: its extent and its element stride in each index space (slot). */
export interface Dim {
  readonly extent: number;
  readonly strides: readonly number[];
}

/** Slot of the data: the input and outputs of the same shape. */
export const X = 0;
/** Slot of the per-row results (a reduced output, row statistics); further slots are op-specific. */
export const STAT = 1;

export interface Rows {
  readonly outer: readonly Dim[];
  readonly reduced: readonly Dim[];
  /** Stride 1 in X; when present passes vectorize across it. */
  readonly inner?: Dim;
  /** Base offset per slot (reversed scans start at the end). */
  readonly offsets?: readonly number[];
}

/** What pass bodies see: indices over the loops bound at that point, and the accumulators. */
export interface At {
  /** Index in `slot` over the bound loops (reduced loops count as 0 in row passes). */
  index(slot: number, offset?: number): Index;
  /** The current value of an accumulator. */
  acc(name: string): Expr;
  /** Updates an accumulator. */
  assign(name: string, value: Expr): Stmt;
  /** Linear position along the reduced dims (i32); 0 in row passes. */
  readonly pos: Expr;
  /** The value of the slot's index as an i32 expression (e.g. a slot counting one dim recovers its loop index). */
  affine(slot: number): Expr;
}

export interface Acc {
  readonly name: string;
  readonly type: Scalar;
  readonly init: (at: At) => Expr;
  /** Keep the accumulator in this buffer at the STAT index (with an inner dim) instead of a scratch. */
  readonly buffer?: { readonly name: string; readonly dtype: DType };
}

/**
 * `reduce` runs its body once per element of the row (after declaring `accs`), folding into them in
 * any order (float sums are reassociated when vectorized); `row` once per row; `map` once per
 * element, with iterations independent (vectorizable).
 */
export interface Pass {
  readonly kind: 'reduce' | 'row' | 'map';
  readonly accs?: readonly Acc[];
  readonly body: (at: At) => readonly Stmt[];
}

export function scalarDtype(type: Scalar): DType {
  return type === 'f32' ? 'float32' : type === 'f64' ? 'float64' : type === 'i32' ? 'int32' : 'int64';
}

/**
 * Drops size-1 dims and merges neighbours that are contiguous in every slot, so loops are few and
 * long. Dims are listed outermost first.
 */
export function collapse(dims: readonly Dim[]): Dim[] {
  const out: Dim[] = [];
  for (const d of dims) {
    if (d.extent === 1) continue;
    const prev = out[out.length - 1];
    if (
      prev &&
      prev.extent !== 0 &&
      d.extent !== 0 &&
      prev.strides.every((s, k) => s === d.strides[k]! * d.extent)
    ) {
      out[out.length - 1] = { extent: prev.extent * d.extent, strides: d.strides };
    } else {
      out.push(d);
    }
  }
  return out;
}

/** Row-major strides of `shape`. */
export function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let n = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = n;
    n *= shape[i]!;
  }
  return s;
}

export interface Bound {
  readonly dim: Dim;
  readonly v: string;
}

/** Nested loops over `bound` around `body`; the innermost may vectorize, the outermost run in parallel. */
export function nest(
  bound: readonly Bound[],
  body: readonly Stmt[],
  vectorize: boolean,
  parallel = false,
): Stmt[] {
  let inner: readonly Stmt[] = body;
  for (let i = bound.length - 1; i >= 0; i--) {
    const loop: Stmt = {
      op: 'loop',
      v: bound[i]!.v,
      extent: bound[i]!.dim.extent,
      body: inner,
      ...(vectorize && i === bound.length - 1 ? { vectorize: true } : {}),
      ...(parallel && i === 0 ? { parallel: true } : {}),
    };
    inner = [loop];
  }
  return [...inner];
}

export function indexOver(bound: readonly Bound[], slot: number, offset: number): Index {
  const terms: { v: string; stride: number }[] = [];
  for (const b of bound) {
    const s = b.dim.strides[slot] ?? 0;
    if (s !== 0) terms.push({ v: b.v, stride: s });
  }
  return { terms, offset };
}

/** The row-major position of the bound loops (i32), 0 when there are none. */
function positionOf(bound: readonly Bound[]): Expr {
  const strides = rowMajor(bound.map((b) => b.dim.extent));
  return affineValue({ terms: bound.map((b, i) => ({ v: b.v, stride: strides[i]! })), offset: 0 });
}

/** sum of var * stride + offset, as an i32 expression. */
export function affineValue(ix: Index): Expr {
  const i32 = (value: number): Expr => ({ op: 'const', type: 'i32', value });
  const parts: Expr[] = ix.terms.map((t) =>
    t.stride === 1
      ? { op: 'var', name: t.v }
      : { op: 'binary', fn: 'mul', type: 'i32', a: { op: 'var', name: t.v }, b: i32(t.stride) },
  );
  if (ix.offset !== 0 || parts.length === 0) parts.unshift(i32(ix.offset));
  return parts.reduce((a, b) => ({ op: 'binary', fn: 'add', type: 'i32', a, b }));
}

/** Builds one kernel that runs `passes` over every row of `rows`. */
export function rowKernel(
  ctx: LowerContext,
  name: string,
  rows: Rows,
  passes: readonly Pass[],
  io: { readonly reads: readonly string[]; readonly writes: readonly string[] },
): Kernel {
  const p = ctx.fresh('k');
  const outer: Bound[] = rows.outer.map((dim, i) => ({ dim, v: `${p}o${i}` }));
  const reduced: Bound[] = rows.reduced.map((dim, i) => ({ dim, v: `${p}r${i}` }));
  const inner: Bound[] = rows.inner ? [{ dim: rows.inner, v: `${p}i` }] : [];
  const rowCount = [...outer, ...inner].reduce((n, b) => n * b.dim.extent, 1);
  // scratch accumulators: one value per (row, inner), row-major over outer then inner
  const scratchStrides = rowMajor([...outer, ...inner].map((b) => b.dim.extent));
  const accs = new Map<string, { type: Scalar; buffer?: string; dtype?: DType; slot?: number }>();
  // buffers the accumulators live in: read and written by the kernel
  const scratches: string[] = [];
  const offsets = rows.offsets ?? [];

  const at = (withReduced: boolean): At => {
    const bound = withReduced ? [...outer, ...reduced, ...inner] : [...outer, ...inner];
    const scratchIndex = (): Index => ({
      terms: [...outer, ...inner]
        .map((b, i) => ({ v: b.v, stride: scratchStrides[i]! }))
        .filter((t) => t.stride !== 0),
      offset: 0,
    });
    const accIndex = (a: { slot?: number }): Index =>
      a.slot === undefined ? scratchIndex() : indexOver(bound, a.slot, offsets[a.slot] ?? 0);
    return {
      index: (slot, offset = 0) => indexOver(bound, slot, (offsets[slot] ?? 0) + offset),
      acc(n) {
        const a = accs.get(n);
        if (!a) throw new Error(`no accumulator ${n}`);
        return a.buffer
          ? load(a.buffer, a.dtype!, accIndex(a))
          : { op: 'local', name: `${p}${n}`, type: a.type };
      },
      assign(n, value) {
        const a = accs.get(n);
        if (!a) throw new Error(`no accumulator ${n}`);
        return a.buffer
          ? store(a.buffer, a.dtype!, accIndex(a), value)
          : { op: 'set', name: `${p}${n}`, type: a.type, value };
      },
      pos: withReduced ? positionOf(reduced) : { op: 'const', type: 'i32', value: 0 },
      affine: (slot) => affineValue(indexOver(bound, slot, offsets[slot] ?? 0)),
    };
  };

  const declare = (list: readonly Acc[] | undefined): Stmt[] => {
    const out: Stmt[] = [];
    for (const a of list ?? []) {
      if (!inner.length) accs.set(a.name, { type: a.type });
      else if (a.buffer) {
        accs.set(a.name, { type: a.type, buffer: a.buffer.name, dtype: a.buffer.dtype, slot: STAT });
        scratches.push(a.buffer.name);
      } else {
        const dtype = scalarDtype(a.type);
        const buffer = ctx.scratch(dtype, rowCount, a.name);
        scratches.push(buffer);
        accs.set(a.name, { type: a.type, buffer, dtype });
      }
      out.push(at(false).assign(a.name, a.init(at(false))));
    }
    return out;
  };

  const body: Stmt[] = [];
  for (const pass of passes) {
    const decl = declare(pass.accs);
    const stmts = pass.body(at(pass.kind !== 'row'));
    if (inner.length) {
      if (decl.length) body.push(...nest(inner, decl, true));
      if (!stmts.length) continue;
      if (pass.kind === 'row') body.push(...nest(inner, stmts, true));
      else body.push(...nest(reduced, nest(inner, stmts, true), false));
    } else {
      body.push(...decl);
      if (!stmts.length) continue;
      if (pass.kind === 'row') body.push(...stmts);
      // reductions vectorize too: the renderer keeps accumulators as four partial results
      else body.push(...nest(reduced, stmts, true));
    }
  }
  return {
    name,
    node: ctx.node.name,
    reads: [...new Set([...io.reads, ...scratches])],
    writes: [...new Set([...io.writes, ...scratches])],
    body: nest(outer, body, false, true),
  };
}

/**
 * An elementwise kernel over `dims` (outermost first; collapsed here): the innermost loop
 * vectorizes, the outermost runs in parallel. `body` builds the statements from an index per slot.
 */
export function elementKernel(
  ctx: LowerContext,
  name: string,
  dims: readonly Dim[],
  body: (index: (slot: number, offset?: number) => Index) => readonly Stmt[],
  io: { readonly reads: readonly string[]; readonly writes: readonly string[] },
): Kernel {
  const p = ctx.fresh('e');
  const bound = collapse(dims).map((dim, i) => ({ dim, v: `${p}${i}` }));
  const stmts = body((slot, offset = 0) => indexOver(bound, slot, offset));
  return {
    name,
    node: ctx.node.name,
    reads: io.reads,
    writes: io.writes,
    body: nest(bound, stmts, true, true),
  };
}
