import type { DType } from '../../../ir/dtype.js';
import { computeType, constant, load, store } from '../../kernel/build.js';
import type { Stmt } from '../../kernel/ir.js';
import { ix, loop } from './common.js';
import type { Geometry, Segment } from './geometry.js';

/** Loop-nest builders shared by the conv and pool lowerings. */

export interface Level {
  /** undefined for an extent-1 level, which emits no loop (its index terms drop out). */
  readonly v: string | undefined;
  readonly extent: number;
  readonly vectorize?: boolean;
}

/** The loop variable of a level, or undefined when the level has a single iteration. */
export function levelVar(name: string, extent: number): string | undefined {
  return extent > 1 ? name : undefined;
}

/**
 * Nested loops, outermost first; the first emitted loop is marked parallel when `parallel`.
 * Levels without a variable (see levelVar) emit no loop.
 */
export function nest(levels: readonly Level[], body: readonly Stmt[], parallel = false): Stmt[] {
  const emitted = levels.filter((l) => l.v !== undefined);
  let inner: readonly Stmt[] = body;
  for (let i = emitted.length - 1; i >= 0; i--) {
    const l = emitted[i]!;
    if (l.extent === 0) return [];
    inner = [loop(l.v!, l.extent, inner, { vectorize: l.vectorize ?? false, parallel: parallel && i === 0 })];
  }
  return [...inner];
}

/** Zeros `n` contiguous elements from `offset`. */
export function zeroFill(buffer: string, dtype: DType, offset: number, n: number, v: string): Stmt[] {
  const t = computeType(dtype);
  const zero = constant(t, t === 'i64' ? 0n : 0);
  const lv = levelVar(v, n);
  return nest(
    [{ v: lv, extent: n, vectorize: true }],
    [store(buffer, dtype, ix(offset, [[lv, 1]]), zero)],
    true,
  );
}

/**
 * Copies a box of `dims` elements between two strided layouts, innermost dimension vectorized,
 * dimensions that are contiguous in both merged so the inner loop runs long. The source is read
 * as `src.dtype` (default `dtype`) and converted on the store, when the compute types agree.
 */
export function copyBox(
  prefix: string,
  dtype: DType,
  dims: readonly number[],
  src: { buffer: string; offset: number; strides: readonly number[]; dtype?: DType },
  dst: { buffer: string; offset: number; strides: readonly number[] },
): Stmt[] {
  const d: number[] = [];
  const ss: number[] = [];
  const ds: number[] = [];
  dims.forEach((n, i) => {
    if (n === 1) return;
    const last = d.length - 1;
    if (last >= 0 && ss[last] === src.strides[i]! * n && ds[last] === dst.strides[i]! * n) {
      d[last] = d[last]! * n;
      ss[last] = src.strides[i]!;
      ds[last] = dst.strides[i]!;
    } else {
      d.push(n);
      ss.push(src.strides[i]!);
      ds.push(dst.strides[i]!);
    }
  });
  if (dims.some((n) => n === 0)) return [];
  const vars = d.map((_, i) => `${prefix}${i}`);
  const value = load(
    src.buffer,
    src.dtype ?? dtype,
    ix(
      src.offset,
      vars.map((v, i) => [v, ss[i]!]),
    ),
  );
  const body = [
    store(
      dst.buffer,
      dtype,
      ix(
        dst.offset,
        vars.map((v, i) => [v, ds[i]!]),
      ),
      value,
    ),
  ];
  return nest(
    d.map((n, i) => ({ v: vars[i], extent: n, vectorize: i === d.length - 1 })),
    body,
    true,
  );
}

/** One region of a window nest: per axis its segment and loop variable (undefined for one position). */
export interface Region {
  readonly segs: readonly [Segment, Segment, Segment];
  readonly vars: readonly [string | undefined, string | undefined, string | undefined];
}

/**
 * Loops over every output position of a window op, split per axis into segments whose taps are
 * known at compile time: d-segments outermost, then h, then w, so each output row is written in
 * one sweep. `leaf` builds the body for one region (inside its w loop).
 */
export function windowNest(
  prefix: string,
  segs: readonly [Segment[], Segment[], Segment[]],
  leaf: (r: Region) => Stmt[],
  opts: { vectorizeW: boolean; parallel: boolean },
): Stmt[] {
  const [vd, vh, vw] = [`${prefix}d`, `${prefix}h`, `${prefix}w`];
  const out: Stmt[] = [];
  for (const sd of segs[0]) {
    const dv = levelVar(vd, sd.count);
    const rows: Stmt[] = [];
    for (const sh of segs[1]) {
      const hv = levelVar(vh, sh.count);
      const cols: Stmt[] = [];
      for (const sw of segs[2]) {
        const wv = levelVar(vw, sw.count);
        const body = leaf({ segs: [sd, sh, sw], vars: [dv, hv, wv] });
        cols.push(...nest([{ v: wv, extent: sw.count, vectorize: opts.vectorizeW }], body));
      }
      rows.push(...nest([{ v: hv, extent: sh.count }], cols, opts.parallel && !dv));
    }
    out.push(...nest([{ v: dv, extent: sd.count }], rows, opts.parallel));
  }
  return out;
}

/** Input coordinate terms of an output region for tap (kd, kh, kw): per axis, var * stride and the constant. */
export function tapOffset(
  g: Geometry,
  r: Region,
  taps: readonly [number, number, number],
  inStrides: readonly [number, number, number],
): { terms: [string | undefined, number][]; offset: number } {
  const terms: [string | undefined, number][] = [];
  let offset = 0;
  for (let a = 0; a < 3; a++) {
    const pos = r.segs[a]!.start * g.strides[a]! - g.padBegin[a]! + taps[a]! * g.dilations[a]!;
    offset += pos * inStrides[a]!;
    terms.push([r.vars[a], g.strides[a]! * inStrides[a]!]);
  }
  return { terms, offset };
}

/** Output coordinate terms of a region. */
export function outOffset(
  r: Region,
  outStrides: readonly [number, number, number],
): { terms: [string | undefined, number][]; offset: number } {
  let offset = 0;
  const terms: [string | undefined, number][] = [];
  for (let a = 0; a < 3; a++) {
    offset += r.segs[a]!.start * outStrides[a]!;
    terms.push([r.vars[a], outStrides[a]!]);
  }
  return { terms, offset };
}

/** The taps of a region in row-major order. */
export function regionTaps(r: Region): [number, number, number][] {
  const taps: [number, number, number][] = [];
  const [sd, sh, sw] = r.segs;
  for (let kd = sd.lo; kd < sd.hi; kd++) {
    for (let kh = sh.lo; kh < sh.hi; kh++) for (let kw = sw.lo; kw < sw.hi; kw++) taps.push([kd, kh, kw]);
  }
  return taps;
}
