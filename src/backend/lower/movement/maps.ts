import type { DType } from '../../../ir/dtype.js';
import { load, store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { bitsDType, fillNest, withDynamic } from './common.js';
import { emitNest, normalizeNest, rowMajor, type Access, type Nest } from './nest.js';

/**
 * Copies described by one source coordinate per output coordinate and axis (the reference's
 * `gatherByMaps`): Slice, Pad in every mode, CenterCropPad. Each axis's map is cut at compile time
 * into runs that are affine (a start and a step: -1 for reflections, 0 for edges) or padding, and
 * the product of the runs over the axes gives loop nests with no per-element test. Axes with too
 * many runs (a reflection folded several times) read their offsets from a table instead.
 */

type Run =
  | {
      readonly kind: 'affine';
      readonly start: number;
      readonly length: number;
      readonly src: number;
      readonly step: number;
    }
  | { readonly kind: 'fill'; readonly start: number; readonly length: number }
  | { readonly kind: 'table'; readonly start: 0; readonly length: number; readonly buffer: string };

/** Padding is -1 in a map. Greedy maximal runs of constant step. */
export function runsOf(map: Int32Array): Run[] {
  const runs: Run[] = [];
  let o = 0;
  while (o < map.length) {
    const start = o;
    if (map[o]! < 0) {
      while (o < map.length && map[o]! < 0) o++;
      runs.push({ kind: 'fill', start, length: o - start });
      continue;
    }
    const step = o + 1 < map.length && map[o + 1]! >= 0 ? map[o + 1]! - map[o]! : 0;
    o++;
    while (o < map.length && map[o]! >= 0 && map[o]! - map[o - 1]! === step) o++;
    runs.push({ kind: 'affine', start, length: o - start, src: map[start]!, step });
  }
  return runs;
}

/** More nests than this and the axis with the most runs switches to a table of offsets. */
const MAX_NESTS = 64;

function nestCount(runs: readonly Run[][], d = 0): number {
  if (d === runs.length) return 1;
  let n = 0;
  for (const r of runs[d]!) n += r.kind === 'fill' ? 1 : nestCount(runs, d + 1);
  return n;
}

export interface MapCopy {
  readonly ctx: LowerContext;
  readonly dst: string;
  readonly src: string;
  readonly dtype: DType;
  readonly outShape: readonly number[];
  readonly inShape: readonly number[];
  /** Source coordinate per output coordinate, per axis; -1 is padding. */
  readonly maps: readonly Int32Array[];
  /** The padding value, in the compute type of `fillAs`; required when a map has -1. */
  readonly fill?: Expr;
  /** The dtype the fill is stored as (default bitsDType(dtype)). */
  readonly fillAs?: DType;
}

/** The statements of a map copy and the table buffers they read. */
export function mapCopy(m: MapCopy): { body: Stmt[]; reads: string[] } {
  const inStrides = rowMajor(m.inShape);
  const runs = m.maps.map(runsOf);
  const tables: string[] = [];
  while (nestCount(runs) > MAX_NESTS) {
    let worst = -1;
    runs.forEach((r, d) => {
      const fills = r.some((x) => x.kind === 'fill');
      if (!fills && r.length > 1 && (worst < 0 || r.length > runs[worst]!.length)) worst = d;
    });
    if (worst < 0) break;
    const offsets = Int32Array.from(m.maps[worst]!, (c) => c * inStrides[worst]!);
    const buffer = m.ctx.constant({ dtype: 'int32', shape: [offsets.length], data: offsets }, 'offsets');
    tables.push(buffer);
    runs[worst] = [{ kind: 'table', start: 0, length: offsets.length, buffer }];
  }
  const body: Stmt[] = [];
  const prefix = m.ctx.fresh('m');
  let count = 0;
  const walk = (d: number, chosen: Run[]): void => {
    if (d === m.outShape.length) {
      body.push(...copyRegion(m, chosen, inStrides, `${prefix}${count++}_`));
      return;
    }
    for (const r of runs[d]!) {
      if (r.kind === 'fill') body.push(...fillRegion(m, [...chosen, r], `${prefix}${count++}_`));
      else walk(d + 1, [...chosen, r]);
    }
  };
  walk(0, []);
  return { body, reads: tables };
}

function fillRegion(m: MapCopy, chosen: readonly Run[], prefix: string): Stmt[] {
  if (!m.fill) throw new Error('map copy pads without a fill value');
  const outStrides = rowMajor(m.outShape);
  const d = chosen.length;
  const extents = [...chosen.map((r) => r.length), ...m.outShape.slice(d)];
  const offset = chosen.reduce((s, r, i) => s + r.start * outStrides[i]!, 0);
  return fillNest(
    m.dst,
    m.fillAs ?? bitsDType(m.dtype),
    m.fill,
    { extents, accesses: [{ offset, strides: outStrides }] },
    prefix,
  );
}

function copyRegion(
  m: MapCopy,
  chosen: readonly Run[],
  inStrides: readonly number[],
  prefix: string,
): Stmt[] {
  const outStrides = rowMajor(m.outShape);
  const rank = chosen.length;
  const dst: Access = {
    offset: chosen.reduce((s, r, i) => s + r.start * outStrides[i]!, 0),
    strides: outStrides,
  };
  let srcOffset = 0;
  const srcStrides = chosen.map((r, i) => {
    if (r.kind !== 'affine') return 0;
    srcOffset += r.src * inStrides[i]!;
    return r.step * inStrides[i]!;
  });
  const tableAxes = chosen.flatMap((r, i) => (r.kind === 'table' ? [{ axis: i, buffer: r.buffer }] : []));
  const tableAccesses = tableAxes.map(({ axis }) => ({
    offset: 0,
    strides: Array.from({ length: rank }, (_, i) => (i === axis ? 1 : 0)),
  }));
  const nest = normalizeNest({
    extents: chosen.map((r) => r.length),
    accesses: [dst, { offset: srcOffset, strides: srcStrides }, ...tableAccesses],
  });
  if (!nest) return [];
  // a table read that changes along the innermost loop makes it a gather: scalar, not SIMD
  const last = nest.extents.length - 1;
  const gathered = last >= 0 && nest.accesses.slice(2).some((a) => a.strides[last] !== 0);
  const bits = bitsDType(m.dtype);
  return emitNest(
    nest as Nest,
    prefix,
    ([d, s, ...t]) => {
      let src = s!;
      t.forEach((ix, k) => (src = withDynamic(src, load(tableAxes[k]!.buffer, 'int32', ix!))));
      return [store(m.dst, bits, d!, load(m.src, bits, src))];
    },
    { vectorize: !gathered, parallel: true },
  );
}
