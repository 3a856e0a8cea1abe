import type { DType } from '../../../ir/dtype.js';
import { binary, computeType, constant, load, store } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { ix, kernel, loop, suffix } from './common.js';
import { xStrides, yStrides, type ConvPlan } from './conv-plan.js';
import { segments, volume } from './geometry.js';
import { levelVar, nest, outOffset, regionTaps, tapOffset, windowNest, type Region } from './nest.js';

/**
 * Depthwise Conv (one input channel per group, any channel multiplier), any float dtype: a direct
 * loop nest. Output positions are split per axis into segments with compile-time tap sets, so the
 * borders need no bounds tests; each output is one expression over its taps (bias + sum w*x),
 * rounded once. NCHW vectorizes along output width, NHWC along channels (weights tap-major).
 * Windows of more than MAX_UNROLLED taps accumulate in a local over tap loops instead.
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

export function convDepthwise(ctx: LowerContext, p: ConvPlan, buf: DepthwiseBuffers): Kernel {
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
      body = [store(buf.y.buffer, buf.y.dtype, yIx, value)];
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
        (v) => store(buf.y.buffer, buf.y.dtype, yIx, v),
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
  const positions = windowNest(`${f}o`, segs, leaf, {
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

/** acc = start; for taps in the region's clipped ranges: acc += term; then finish(acc). */
function loopedTaps(
  r: Region,
  acc: string,
  t: ReturnType<typeof computeType>,
  start: Expr,
  term: (kd: string, kh: string, kw: string, lo: [number, number, number]) => Expr,
  finish: (v: Expr) => Stmt,
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
    finish(local),
  ];
}
