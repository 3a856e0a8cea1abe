import type { DType } from '../../../ir/dtype.js';
import { binary, computeType, constant, convert, load, store } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { isFloatType, ix, kernel, loop, suffix } from './common.js';
import { convDepthwiseFlat, flatApplies } from './conv-depthwise-flat.js';
import { xStrides, yStrides, type ConvPlan } from './conv-plan.js';
import { activationExpr, type Epilogue } from './epilogue.js';
import { segments, volume, type Segment } from './geometry.js';
import { levelVar, nest, outOffset, regionTaps, tapOffset, windowNest, type Region } from './nest.js';

/**
 * Depthwise Conv (one input channel per group, any channel multiplier), any float dtype: a direct
 * loop nest. Output positions are split per axis into segments with compile-time tap sets, so the
 * borders need no bounds tests; each output is one expression over its taps (bias + sum w*x),
 * rounded once. NCHW vectorizes along output width, NHWC along channels (weights tap-major).
 * Windows of more than MAX_UNROLLED taps accumulate in a local over tap loops instead. A fused
 * epilogue (residual, activation) is applied to each output before its store.
 */
const MAX_UNROLLED = 64;

export interface Operand {
  readonly buffer: string;
  readonly dtype: DType;
}

export interface DepthwiseBuffers {
  readonly x: Operand;
  /** [M, kv] for NCHW, [kv, M] for NHWC. */
  readonly w: Operand;
  readonly bias: Operand | undefined;
  readonly y: Operand;
}

/**
 * The kernels of a depthwise Conv and its fused epilogue: small stride-1 NCHW planes as one flat
 * vector loop per channel (conv-depthwise-flat.ts), everything else as the segment nest below.
 */
export function convDepthwiseKernels(
  ctx: LowerContext,
  p: ConvPlan,
  buf: DepthwiseBuffers,
  epilogue: Epilogue = {},
): Kernel[] {
  if (flatApplies(p, epilogue)) return convDepthwiseFlat(ctx, p, buf, epilogue);
  return [convDepthwise(ctx, p, buf, epilogue)];
}

export function convDepthwise(
  ctx: LowerContext,
  p: ConvPlan,
  buf: DepthwiseBuffers,
  epilogue: Epilogue = {},
): Kernel {
  const { g, N, C, Mg, M } = p;
  const t = computeType(buf.y.dtype);
  const segs = [segments(g, 0), segments(g, 1), segments(g, 2)] as const;
  const kv = volume(g.kernel);
  const [, KH, KW] = g.kernel;
  const unrolled = g.kernel[0] * KH * KW <= MAX_UNROLLED;
  const xs = xStrides(p);
  const ys = yStrides(p);
  const nhwc = p.layout === 'NHWC';
  const f = ctx.fresh('dw');
  // NCHW rows have scalar border columns: an epilogue with a transcendental function costs far more
  // there than in a vector pass over the finished row (still in cache), so rows take it after. A
  // 16-bit row (auto-cast 'all') then holds the raw sum rounded once before the epilogue, as if the
  // activation were an op of its own: the scalar sigmoids and roundings at the borders measured
  // efficientnet_b0's depthwise convs 2x slower than float32 ones
  const byRow =
    !nhwc &&
    (epilogue.activation !== undefined || epilogue.residual !== undefined) &&
    isFloatType(buf.y.dtype);
  const n = levelVar(`${f}n`, N);
  const c = levelVar(`${f}c`, C);
  const j = levelVar(`${f}j`, Mg);
  // output channel m = c * Mg + j; weights are [m][tap] (NCHW) or [tap][m] (NHWC)
  const wIx = (tap: number, extra: [string, number][] = []): Index =>
    nhwc
      ? ix(tap * M, [[c, Mg], [j, 1], ...extra.map(([v, s]) => [v, s * M] as [string, number])])
      : ix(tap, [[c, Mg * kv], [j, kv], ...extra]);
  const wLoad = (tap: number, extra?: [string, number][]): Expr =>
    load(buf.w.buffer, buf.w.dtype, wIx(tap, extra));
  const start = (): Expr =>
    buf.bias
      ? load(
          buf.bias.buffer,
          buf.bias.dtype,
          ix(0, [
            [c, Mg],
            [j, 1],
          ]),
        )
      : constant(t, 0);
  const leaf = (r: Region): Stmt[] => {
    const o = outOffset(r, ys.s);
    const yIx = ix(o.offset, [[n, ys.n], [c, Mg * ys.c], [j, ys.c], ...o.terms]);
    // a local per region: the vectorizer keeps a loop's locals in registers only if no other loop uses them
    const finish = (v: Expr): Stmt[] =>
      byRow
        ? [store(buf.y.buffer, buf.y.dtype, yIx, v)]
        : epilogueStores(buf, epilogue, t, ctx.fresh(`${f}y`), yIx, v);
    const xAt = (taps: [number, number, number], extra: [string | undefined, number][] = []): Index => {
      const at = tapOffset(g, r, taps, xs.s);
      return ix(at.offset, [[n, xs.n], [c, xs.c], ...at.terms, ...extra]);
    };
    let body: Stmt[];
    if (unrolled) {
      let value = start();
      for (const tap of regionTaps(r)) {
        const ti = (tap[0] * KH + tap[1]) * KW + tap[2];
        value = binary(
          'add',
          t,
          value,
          binary('mul', t, wLoad(ti), load(buf.x.buffer, buf.x.dtype, xAt(tap))),
        );
      }
      body = finish(value);
    } else {
      body = loopedTaps(
        r,
        `${f}acc`,
        t,
        start(),
        (kd, kh, kw, lo) => {
          const ti = (lo[0] * KH + lo[1]) * KW + lo[2];
          const w = wLoad(ti, [
            [kd, KH * KW],
            [kh, KW],
            [kw, 1],
          ]);
          const x = xAt(lo, [
            [kd, g.dilations[0] * xs.s[0]],
            [kh, g.dilations[1] * xs.s[1]],
            [kw, g.dilations[2] * xs.s[2]],
          ]);
          return binary('mul', t, w, load(buf.x.buffer, buf.x.dtype, x));
        },
        finish,
        f,
      );
    }
    // NHWC: the channel loops live inside the position loops and carry the vector dimension
    return nhwc
      ? nest(
          [
            { v: c, extent: C, vectorize: Mg === 1 },
            { v: j, extent: Mg, vectorize: true },
          ],
          body,
        )
      : body;
  };
  const rowTail = (r: Region): Stmt[] => {
    const o = outOffset({ ...r, vars: [r.vars[0], r.vars[1], undefined] }, ys.s);
    const e = ctx.fresh(`${f}e`);
    const rowIx = ix(o.offset, [[n, ys.n], [c, Mg * ys.c], [j, ys.c], ...o.terms.slice(0, 2), [e, 1]]);
    const raw = load(buf.y.buffer, buf.y.dtype, rowIx);
    return nest(
      [{ v: e, extent: g.output[2], vectorize: true }],
      epilogueStores(buf, epilogue, t, ctx.fresh(`${f}y`), rowIx, raw),
    );
  };
  const positions = byRow
    ? rowNest(`${f}o`, segs, leaf, rowTail, unrolled)
    : windowNest(`${f}o`, segs, leaf, {
        vectorizeW: !nhwc && unrolled,
        parallel: nhwc && N === 1,
      });
  const outer = nhwc
    ? [{ v: n, extent: N }]
    : [
        { v: n, extent: N },
        { v: c, extent: C },
        { v: j, extent: Mg },
      ];
  return kernel(ctx, `${p.stem}_dw_${suffix(buf.y.dtype)}`, nest(outer, positions, true));
}

/**
 * windowNest's order (depth segments, then height, then width) with `tail` run after each output
 * row's width segments.
 */
function rowNest(
  prefix: string,
  segs: readonly [Segment[], Segment[], Segment[]],
  leaf: (r: Region) => Stmt[],
  tail: (r: Region) => Stmt[],
  vectorizeW: boolean,
): Stmt[] {
  const [vd, vh, vw] = [`${prefix}d`, `${prefix}h`, `${prefix}w`];
  const out: Stmt[] = [];
  for (const sd of segs[0]) {
    const dv = levelVar(vd, sd.count);
    for (const sh of segs[1]) {
      const hv = levelVar(vh, sh.count);
      const row: Stmt[] = [];
      for (const sw of segs[2]) {
        const wv = levelVar(vw, sw.count);
        row.push(
          ...nest(
            [{ v: wv, extent: sw.count, vectorize: vectorizeW }],
            leaf({ segs: [sd, sh, sw], vars: [dv, hv, wv] }),
          ),
        );
      }
      row.push(...tail({ segs: [sd, sh, segs[2][0]!], vars: [dv, hv, undefined] }));
      out.push(...nest([{ v: dv, extent: sd.count }], nest([{ v: hv, extent: sh.count }], row)));
    }
  }
  return out;
}

/** y = activation(v (+ residual)), through a local when the epilogue reads the value more than once. */
function epilogueStores(
  buf: DepthwiseBuffers,
  e: Epilogue,
  t: ReturnType<typeof computeType>,
  name: string,
  yIx: Index,
  v: Expr,
): Stmt[] {
  let value = v;
  if (e.residual) {
    const r = load(e.residual.buffer, e.residual.dtype, yIx);
    value = binary('add', t, value, convert(computeType(e.residual.dtype), t, r));
  }
  if (!e.activation) return [store(buf.y.buffer, buf.y.dtype, yIx, value)];
  const local: Expr = { op: 'local', name, type: t };
  return [
    { op: 'set', name, type: t, value },
    store(buf.y.buffer, buf.y.dtype, yIx, activationExpr(e.activation, t, local)),
  ];
}

/** acc = start; for taps in the region's clipped ranges: acc += term; then finish(acc). */
function loopedTaps(
  r: Region,
  acc: string,
  t: ReturnType<typeof computeType>,
  start: Expr,
  term: (kd: string, kh: string, kw: string, lo: [number, number, number]) => Expr,
  finish: (v: Expr) => Stmt[],
  f: string,
): Stmt[] {
  const [sd, sh, sw] = r.segs;
  const [kd, kh, kw] = [`${f}kd`, `${f}kh`, `${f}kw`];
  const local: Expr = { op: 'local', name: acc, type: t };
  const update: Stmt = {
    op: 'set',
    name: acc,
    type: t,
    value: binary('add', t, local, term(kd, kh, kw, [sd.lo, sh.lo, sw.lo])),
  };
  return [
    { op: 'set', name: acc, type: t, value: start },
    loop(kd, sd.hi - sd.lo, [loop(kh, sh.hi - sh.lo, [loop(kw, sw.hi - sw.lo, [update])])]),
    ...finish(local),
  ];
}
