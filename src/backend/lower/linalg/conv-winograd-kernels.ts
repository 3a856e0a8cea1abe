import type { DType } from '../../../ir/dtype.js';
import { load, store } from '../../kernel/build.js';
import type { Activation, Expr, Kernel, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { ix, kernel } from './common.js';
import { positionStride, type WinogradPlan } from './conv-winograd-plan.js';
import { applyBothSides, Emitter } from './conv-winograd-transforms.js';
import type { RowTile } from './geometry.js';
import { activationExpr } from './epilogue.js';
import { copyBox, levelVar, nest, zeroFill } from './nest.js';

/**
 * The loop-nest kernels of a Winograd conv. Scratch layouts (Tb tiles of one block, t = image,
 * tile row, tile column in that order; positions positionStride apart): V[alpha^2][Tb][C]
 * transformed input, Mo[alpha^2][Tb][M]
 * GEMM results, U[alpha^2][Cg][M] transformed weights (when computed at run time).
 * Channels are innermost, so every transform vectorizes over channels with contiguous loads and
 * stores whatever the image size (NCHW outputs and residuals excepted: lanes a plane apart).
 */

/** A tile coordinate inside a kernel: a loop variable (or none) plus a constant. */
interface Coord {
  readonly v: string | undefined;
  readonly base: number;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Zero-padded channels-last float32 copy of the input (read in its storage type `xType`): the zero
 * border first, then the interior.
 */
export function copyInput(
  ctx: LowerContext,
  w: WinogradPlan,
  x: string,
  xp: string,
  xType: DType = 'float32',
): Kernel[] {
  const { N, C, H, W, Hp, Wp, padTop: pt, padLeft: pl } = w;
  const row = Wp * C;
  const image = Hp * row;
  const f = ctx.fresh('wp');
  const zero = (offset: number, n: number, name: string): Stmt[] =>
    n > 0 ? zeroFill(xp, 'float32', offset, n, `${f}${name}`) : [];
  const nv = levelVar(`${f}n`, N);
  const rv = levelVar(`${f}row`, H);
  // zeroFill indexes from a constant offset: the image and row variables enter through the loops
  const shift = (ss: Stmt[], terms: [string | undefined, number][]): Stmt[] =>
    ss.map((s) => offsetBy(s, terms));
  const sides = nest(
    [{ v: rv, extent: H }],
    shift(
      [...zero(pt * Wp * C, pl * C, 'l'), ...zero((pt * Wp + pl + W) * C, (Wp - pl - W) * C, 'r')],
      [[rv, row]],
    ),
  );
  const border = [...zero(0, pt * row, 't'), ...zero((pt + H) * row, (Hp - pt - H) * row, 'b'), ...sides];
  const kernels: Kernel[] = [];
  if (border.length) {
    const body = nest([{ v: nv, extent: N }], shift(border, [[nv, image]]), true);
    kernels.push(kernel(ctx, `${w.stem}_border_f32`, body));
  }
  const src = w.layout === 'NHWC' ? [H * W * C, W * C, C, 1] : [C * H * W, W, 1, H * W];
  const copy = copyBox(
    ctx.fresh('wc'),
    'float32',
    [N, H, W, C],
    { buffer: x, offset: 0, strides: src, dtype: xType },
    { buffer: xp, offset: (pt * Wp + pl) * C, strides: [image, row, C, 1] },
  );
  kernels.push(kernel(ctx, `${w.stem}_copy_f32`, copy));
  return kernels;
}

/** Adds index terms to every store of a statement tree and drops its `parallel` marks. */
function offsetBy(s: Stmt, terms: [string | undefined, number][]): Stmt {
  const extra = terms
    .filter((t): t is [string, number] => t[0] !== undefined)
    .map(([v, stride]) => ({ v, stride }));
  if (!extra.length) return s;
  switch (s.op) {
    case 'loop': {
      const { parallel: _, ...rest } = s;
      return { ...rest, body: s.body.map((b) => offsetBy(b, terms)) };
    }
    case 'store':
      return { ...s, index: { ...s.index, terms: [...s.index.terms, ...extra] } };
    default:
      return s;
  }
}

/** V[pos][t][c] = (B^T d B)[pos] for every input tile d of the block. */
export function inputTransform(
  ctx: LowerContext,
  w: WinogradPlan,
  xp: string,
  v: string,
  b: RowTile,
): Kernel {
  const { C, TW, Wp, tile } = w;
  const { m, alpha } = tile;
  const f = ctx.fresh('wi');
  const [nv, hv, tv, cv] = [levelVar(`${f}n`, b.dn), levelVar(`${f}h`, b.hn), levelVar(`${f}w`, TW), `${f}c`];
  const Tb = b.dn * b.hn * TW;
  const sImage = w.Hp * Wp * C;
  const e = new Emitter(`${f}v`);
  const d = range(alpha * alpha).map((k) => {
    const [i, j] = [Math.floor(k / alpha), k % alpha];
    const at = ix(b.d0 * sImage + (m * b.h0 + i) * Wp * C + j * C, [
      [nv, sImage],
      [hv, m * Wp * C],
      [tv, m * C],
      [cv, 1],
    ]);
    return e.bind(load(xp, 'float32', at));
  });
  const all = range(alpha);
  const V = applyBothSides(e, w.tile.BT, d, all, all);
  const stores = V.map((value, pos) =>
    store(
      v,
      'float32',
      ix(pos * positionStride(Tb, C), [
        [nv, b.hn * TW * C],
        [hv, TW * C],
        [tv, C],
        [cv, 1],
      ]),
      value,
    ),
  );
  const body = nest(
    [
      { v: nv, extent: b.dn },
      { v: hv, extent: b.hn },
      { v: tv, extent: TW },
      { v: cv, extent: C, vectorize: true },
    ],
    [...e.stmts, ...stores],
    true,
  );
  return kernel(ctx, `${w.stem}_input_f32`, body);
}

export interface OutputBuffers {
  readonly mo: string;
  readonly y: string;
  readonly bias: string | undefined;
  readonly residual: string | undefined;
  readonly activation: Activation | undefined;
  /** Y's and the residual's storage (float32, or auto-cast's 16-bit activations). */
  readonly yType: DType;
  readonly residualType: DType;
}

/**
 * y = A^T Mo A + bias (+ residual, then the activation) per tile of the block; tiles of the last
 * row and column store only the outputs inside the image (their branch is chosen per tile row by a
 * test on the row variable, so the kernel stays one parallel loop).
 */
export function outputTransform(ctx: LowerContext, w: WinogradPlan, o: OutputBuffers, b: RowTile): Kernel {
  const { M, TH, TW, OH, OW, tile } = w;
  const m = tile.m;
  const f = ctx.fresh('wo');
  const [nv, hv, tv] = [levelVar(`${f}n`, b.dn), levelVar(`${f}h`, b.hn), levelVar(`${f}w`, TW)];
  const lastRows = OH - m * (TH - 1);
  const lastCols = OW - m * (TW - 1);
  const partialRow = b.h0 + b.hn === TH && lastRows < m;
  const fullCols = lastCols < m ? TW - 1 : TW;
  const row = (rows: number): Stmt[] => {
    const th: Coord = { v: hv, base: 0 };
    const parts: Stmt[] = [];
    if (fullCols > 0)
      parts.push(
        ...nest(
          [
            { v: levelVar(`${f}w`, fullCols), extent: fullCols },
            { v: `${f}m${rows}`, extent: M, vectorize: true },
          ],
          leaf(
            ctx,
            w,
            o,
            b,
            { n: nv, th, tw: { v: fullCols > 1 ? tv : undefined, base: 0 } },
            rows,
            m,
            `${f}m${rows}`,
          ),
        ),
      );
    if (fullCols < TW) {
      const mv = `${f}e${rows}`;
      parts.push(
        ...nest(
          [{ v: mv, extent: M, vectorize: true }],
          leaf(ctx, w, o, b, { n: nv, th, tw: { v: undefined, base: TW - 1 } }, rows, lastCols, mv),
        ),
      );
    }
    return parts;
  };
  let rowsBody: Stmt[];
  if (!partialRow) rowsBody = row(m);
  else if (!hv) rowsBody = row(lastRows);
  else {
    const last: Expr = {
      op: 'compare',
      fn: 'eq',
      type: 'i32',
      a: { op: 'var', name: hv },
      b: { op: 'const', type: 'i32', value: b.hn - 1 },
    };
    rowsBody = [{ op: 'if', cond: last, then: row(lastRows), else: row(m) }];
  }
  const body = nest(
    [
      { v: nv, extent: b.dn },
      { v: hv, extent: b.hn },
    ],
    rowsBody,
    true,
  );
  return kernel(ctx, `${w.stem}_output_f32`, body);
}

/** One tile's rows x cols outputs for the channels of the vector variable `mv`. */
function leaf(
  ctx: LowerContext,
  w: WinogradPlan,
  o: OutputBuffers,
  b: RowTile,
  at: { n: string | undefined; th: Coord; tw: Coord },
  rows: number,
  cols: number,
  mv: string,
): Stmt[] {
  const { M, TW, OH, OW, tile } = w;
  const { m, alpha } = tile;
  const Tb = b.dn * b.hn * TW;
  const e = new Emitter(`${ctx.fresh('wo')}v`);
  const mo = range(alpha * alpha).map((pos) =>
    e.bind(
      load(
        o.mo,
        'float32',
        ix(pos * positionStride(Tb, M) + at.tw.base * M, [
          [at.n, b.hn * TW * M],
          [at.th.v, TW * M],
          [at.tw.v, M],
          [mv, 1],
        ]),
      ),
    ),
  );
  const Y = applyBothSides(e, tile.AT, mo, range(rows), range(cols));
  const ys =
    w.layout === 'NHWC'
      ? { n: OH * OW * M, c: 1, h: OW * M, w: M }
      : { n: M * OH * OW, c: OH * OW, h: OW, w: 1 };
  const bias = o.bias ? e.bind(load(o.bias, 'float32', ix(0, [[mv, 1]]))) : undefined;
  const stores = Y.map((y, k) => {
    const [a, c] = [Math.floor(k / cols), k % cols];
    const index = ix(b.d0 * ys.n + (m * b.h0 + a) * ys.h + (m * at.tw.base + c) * ys.w, [
      [at.n, ys.n],
      [at.th.v, m * ys.h],
      [at.tw.v, m * ys.w],
      [mv, ys.c],
    ]);
    let value = bias ? e.bind({ op: 'binary', fn: 'add', type: 'f32', a: y, b: bias }) : y;
    if (o.residual) {
      const r = load(o.residual, o.residualType, index);
      value = e.bind({ op: 'binary', fn: 'add', type: 'f32', a: value, b: r });
    }
    if (o.activation) value = activationExpr(o.activation, 'f32', e.bind(value));
    return store(o.y, o.yType, index, value);
  });
  return [...e.stmts, ...stores];
}

/** U[pos][c][m] = (G g G^T)[pos] for weights [M][Cg][3][3] that are only known at run time. */
export function weightTransform(ctx: LowerContext, w: WinogradPlan, wt: string, u: string): Kernel {
  const { M, Cg, tile } = w;
  const f = ctx.fresh('ww');
  const [cv, mv] = [levelVar(`${f}c`, Cg), `${f}m`];
  const e = new Emitter(`${f}v`);
  const g = range(9).map((k) =>
    e.bind(
      load(
        wt,
        'float32',
        ix(k, [
          [mv, Cg * 9],
          [cv, 9],
        ]),
      ),
    ),
  );
  const all = range(tile.alpha);
  const U = applyBothSides(e, tile.G, g, all, all);
  const stores = U.map((value, pos) =>
    store(
      u,
      'float32',
      ix(pos * Cg * M, [
        [cv, M],
        [mv, 1],
      ]),
      value,
    ),
  );
  const body = nest(
    [
      { v: cv, extent: Cg },
      { v: mv, extent: M, vectorize: true },
    ],
    [...e.stmts, ...stores],
    true,
  );
  return kernel(ctx, `${w.stem}_weights_f32`, body);
}
