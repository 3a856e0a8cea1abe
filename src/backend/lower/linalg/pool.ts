import type { DType } from '../../../ir/dtype.js';
import { sizeOf } from '../../../ir/tensor.js';
import { shapeFirst, type Layout } from '../../../ops/linalg/layout.js';
import { resolveWindow, type AutoPad } from '../../../ops/linalg/window.js';
import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  load,
  select,
  store,
  unary,
} from '../../kernel/build.js';
import type { Expr, Index, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, loop, output, required, suffix } from './common.js';
import { geometryOf, segments, stridesOf, volume, windowTag, type Geometry } from './geometry.js';
import { levelVar, nest, outOffset, regionTaps, tapOffset, windowNest, type Region } from './nest.js';

/**
 * MaxPool, AveragePool and LpPool as loop nests with the window loops inside. Output positions
 * are split per axis into segments with compile-time tap sets (windows clipped at the borders, so
 * padding is never read and counts are constants). Without Indices and with at most MAX_UNROLLED
 * taps, each output is one straight-line expression in a loop vectorized along output width
 * (NCHW) or channels (NHWC); otherwise the taps update scalar locals.
 */
const MAX_UNROLLED = 64;

interface PoolAttrs {
  readonly auto_pad: AutoPad;
  readonly dilations: readonly number[] | undefined;
  readonly kernel_shape: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
  readonly ceil_mode: number;
  readonly layout: Layout;
  readonly count_include_pad?: number;
  readonly p?: number;
  readonly storage_order?: number;
}

type Kind = 'max' | 'avg' | 'lp';

/** [loop variable, stride] terms of an index. */
type Terms = [string | undefined, number][];

interface PoolPlan {
  readonly kind: Kind;
  readonly g: Geometry;
  readonly layout: Layout;
  readonly N: number;
  readonly C: number;
  /** The output's storage type; `xDtype` the input's (auto-cast may store either in 16 bits). */
  readonly dtype: DType;
  readonly xDtype: DType;
  readonly t: Scalar;
  readonly a: PoolAttrs;
}

function lowerPool(kind: Kind, op: string) {
  return (ctx: LowerContext): Lowered => {
    const a = ctx.attrs as unknown as PoolAttrs;
    const x = required(ctx, 0);
    const y = output(ctx);
    const allowed = [
      'float32',
      'float16',
      'bfloat16',
      'float64',
      ...(kind === 'max' ? ['int8', 'uint8'] : []),
    ];
    if (!allowed.includes(y.dtype)) throw new LoweringUnsupported(`${op} of ${y.dtype}`);
    if (!a.kernel_shape) throw new LoweringUnsupported(`${op} without kernel_shape`);
    const xs = shapeFirst(x.shape, a.layout) as number[];
    const r = xs.length - 2;
    if (r < 1 || r > 3) throw new LoweringUnsupported(`${op} with ${r} spatial axes`);
    const g = geometryOf(resolveWindow(xs.slice(2), a.kernel_shape, a, a.ceil_mode !== 0));
    const p: PoolPlan = {
      kind,
      g,
      layout: a.layout,
      N: xs[0]!,
      C: xs[1]!,
      dtype: y.dtype,
      xDtype: x.dtype,
      t: computeType(y.dtype),
      a,
    };
    if (sizeOf(y.shape) === 0) return { kernels: [] };
    const indices = ctx.outputs[1];
    const name = `${kind}pool${r}d_${windowTag(g)}${a.layout === 'NHWC' ? '_nhwc' : ''}_${suffix(y.dtype)}`;
    return { kernels: [kernel(ctx, name, poolBody(ctx, p, x.buffer, y.buffer, indices?.buffer))] };
  };
}

function poolBody(ctx: LowerContext, p: PoolPlan, x: string, y: string, indices: string | undefined): Stmt[] {
  const { g, N, C } = p;
  const nhwc = p.layout === 'NHWC';
  const xs = stridesOf(p.layout, C, g.input);
  const ys = stridesOf(p.layout, C, g.output);
  const segs = [segments(g, 0), segments(g, 1), segments(g, 2)] as const;
  const tapsMax = segs.reduce((m, s) => m * Math.max(...s.map((x) => x.hi - x.lo)), 1);
  const straight = !indices && tapsMax <= MAX_UNROLLED;
  const f = ctx.fresh('pool');
  // NCHW: one loop over the N*C planes; NHWC: images outside, channels innermost
  const plane = levelVar(`${f}p`, N * C);
  const n = levelVar(`${f}n`, N);
  const c = levelVar(`${f}c`, C);
  const base: { x: Terms; y: Terms } = nhwc
    ? {
        x: [
          [n, xs.n],
          [c, 1],
        ],
        y: [
          [n, ys.n],
          [c, 1],
        ],
      }
    : { x: [[plane, xs.c]], y: [[plane, ys.c]] };
  const leaf = (r: Region): Stmt[] => {
    const o = outOffset(r, ys.s);
    const yIx = ix(o.offset, [...base.y, ...o.terms]);
    const xAt = (tap: Tap, tapVars: TapVars = [undefined, undefined, undefined]): Index => {
      const at = tapOffset(g, r, tap, xs.s);
      const extra = tapVars.map((v, a) => [v, g.dilations[a]! * xs.s[a]!] as [string | undefined, number]);
      return ix(at.offset, [...base.x, ...at.terms, ...extra]);
    };
    const body = straight
      ? [
          store(
            y,
            p.dtype,
            yIx,
            straightValue(p, r, (tap) => load(x, p.xDtype, xAt(tap))),
          ),
        ]
      : localsBody(
          p,
          r,
          f,
          x,
          xAt,
          (v) => store(y, p.dtype, yIx, v),
          indices ? indexStore(p, r, f, indices, yIx, { plane, n, c }) : undefined,
        );
    return nhwc ? nest([{ v: c, extent: C, vectorize: straight }], body) : body;
  };
  const positions = windowNest(`${f}o`, segs, leaf, {
    vectorizeW: !nhwc && straight,
    parallel: nhwc && N === 1,
  });
  return nest([{ v: nhwc ? n : plane, extent: nhwc ? N : N * C }], positions, true);
}

/** The neutral start value and the combining step of each pool kind, in the compute type. */
function combine(p: PoolPlan, acc: Expr | undefined, x: Expr): Expr {
  const t = p.t;
  if (p.kind === 'max') return acc ? binary('max', t, acc, x) : x;
  const term = p.kind === 'avg' ? x : lpTerm(t, x, p.a.p ?? 2);
  return acc ? binary('add', t, acc, term) : term;
}

function lpTerm(t: Scalar, x: Expr, pw: number): Expr {
  if (pw === 2) return binary('mul', t, x, x);
  if (pw === 1) return unary('abs', t, x);
  return binary('pow', t, unary('abs', t, x), constant(t, pw));
}

/** The pooled value from the combined taps (`sum` undefined when the window sees no input). */
function finish(p: PoolPlan, r: Region, taps: number, sum: Expr | undefined): Expr {
  const t = p.t;
  if (p.kind === 'max') return sum ?? constant(t, t === 'f32' || t === 'f64' ? -Infinity : 0);
  if (p.kind === 'lp') {
    const pw = p.a.p ?? 2;
    if (!sum) return constant(t, 0);
    if (pw === 2) return unary('sqrt', t, sum);
    if (pw === 1) return sum;
    return binary('pow', t, sum, constant(t, 1 / pw));
  }
  const [sd, sh, sw] = r.segs;
  const count = p.a.count_include_pad ? sd.padded * sh.padded * sw.padded : taps;
  return binary('div', t, sum ?? constant(t, 0), constant(t, count));
}

function straightValue(p: PoolPlan, r: Region, at: (tap: Tap) => Expr): Expr {
  let acc: Expr | undefined;
  const taps = regionTaps(r);
  for (const tap of taps) acc = combine(p, acc, at(tap));
  return finish(p, r, taps.length, acc);
}

type Tap = [number, number, number];
/** Loop variables over the taps of a big window (offsets from the region's first tap), or none. */
type TapVars = readonly (string | undefined)[];

interface Argmax {
  readonly init: Stmt;
  readonly update: (tap: Tap, tapVars: TapVars, cond: Expr) => Stmt;
  readonly done: Stmt;
}

/**
 * Scalar form: locals updated tap by tap (unrolled, or loops over the clipped tap ranges for big
 * windows); MaxPool's argmax rides along as a select on the same comparison (first maximum wins,
 * NaN wins, as the reference).
 */
function localsBody(
  p: PoolPlan,
  r: Region,
  f: string,
  x: string,
  xAt: (tap: Tap, tapVars?: TapVars) => Index,
  storeValue: (v: Expr) => Stmt,
  argmax: Argmax | undefined,
): Stmt[] {
  const t = p.t;
  const acc = `${f}acc`;
  const local: Expr = { op: 'local', name: acc, type: t };
  const [sd, sh, sw] = r.segs;
  const taps = (sd.hi - sd.lo) * (sh.hi - sh.lo) * (sw.hi - sw.lo);
  const isFloat = t === 'f32' || t === 'f64';
  const init = p.kind === 'max' ? constant(t, isFloat ? -Infinity : -2147483648) : constant(t, 0);
  const step = (tap: Tap, tapVars: TapVars): Stmt[] => {
    const v = load(x, p.xDtype, xAt(tap, tapVars));
    if (!argmax) return [{ op: 'set', name: acc, type: t, value: combine(p, local, v) }];
    const vName = `${f}v`;
    const vl: Expr = { op: 'local', name: vName, type: t };
    let cond = compare('gt', t, vl, local);
    if (isFloat) {
      const nan = binary('and', 'i32', unary('isnan', t, vl), compare('eq', t, local, local));
      cond = binary('or', 'i32', cond, nan);
    }
    return [
      { op: 'set', name: vName, type: t, value: v },
      argmax.update(tap, tapVars, cond),
      { op: 'set', name: acc, type: t, value: select(t, cond, vl, local) },
    ];
  };
  const body: Stmt[] = [{ op: 'set', name: acc, type: t, value: init }];
  if (argmax) body.push(argmax.init);
  if (taps <= MAX_UNROLLED) {
    for (const tap of regionTaps(r)) body.push(...step(tap, [undefined, undefined, undefined]));
  } else {
    const vars = [`${f}kd`, `${f}kh`, `${f}kw`];
    const inner = step([sd.lo, sh.lo, sw.lo], vars);
    body.push(
      loop(vars[0]!, sd.hi - sd.lo, [loop(vars[1]!, sh.hi - sh.lo, [loop(vars[2]!, sw.hi - sw.lo, inner)])]),
    );
  }
  // a window of no taps keeps the reference's values (max: -inf; avg: 0/count)
  const value = p.kind === 'max' ? (taps ? local : finish(p, r, 0, undefined)) : finish(p, r, taps, local);
  body.push(storeValue(value));
  if (argmax) body.push(argmax.done);
  return body;
}

/**
 * MaxPool's Indices: the flat input position of the maximum, NCHW order (n*C + c) * plane + pos, or
 * NHWC order (n * plane + pos) * C + c, with pos row-major (storage_order 0) or column-major (1).
 */
function indexStore(
  p: PoolPlan,
  r: Region,
  f: string,
  indices: string,
  yIx: Index,
  vars: { plane: string | undefined; n: string | undefined; c: string | undefined },
): Argmax {
  const { g, C } = p;
  const [ID, IH, IW] = g.input;
  const posStrides: Tap = p.a.storage_order ? [1, ID, ID * IH] : [IH * IW, IW, 1];
  const sIn = volume(g.input);
  const best = `${f}best`;
  const bestL: Expr = { op: 'local', name: best, type: 'i64' };
  const position = (tap: Tap, tapVars: TapVars): Expr => {
    const at = tapOffset(g, r, tap, posStrides);
    const terms = [
      ...at.terms,
      ...tapVars.map((v, a) => [v, g.dilations[a]! * posStrides[a]!] as [string | undefined, number]),
    ];
    if (p.layout === 'NCHW') return affine([[vars.plane, sIn], ...terms], at.offset);
    return affine(
      [[vars.n, sIn * C], [vars.c, 1], ...terms.map(([v, s]) => [v, s * C] as [string | undefined, number])],
      at.offset * C,
    );
  };
  return {
    init: { op: 'set', name: best, type: 'i64', value: constant('i64', -1n) },
    update: (tap, tapVars, cond) => ({
      op: 'set',
      name: best,
      type: 'i64',
      value: select('i64', cond, position(tap, tapVars), bestL),
    }),
    done: store(indices, 'int64', yIx, bestL),
  };
}

/** sum of var * stride + offset as an int64 expression (computed in i32: positions fit in memory). */
function affine(terms: readonly (readonly [string | undefined, number])[], offset: number): Expr {
  let e: Expr = constant('i32', offset);
  for (const [v, s] of terms) {
    if (v === undefined || s === 0) continue;
    e = binary('add', 'i32', e, binary('mul', 'i32', { op: 'var', name: v }, constant('i32', s)));
  }
  return convert('i32', 'i64', e);
}

registerLowerings({
  MaxPool: lowerPool('max', 'MaxPool'),
  AveragePool: lowerPool('avg', 'AveragePool'),
  LpPool: lowerPool('lp', 'LpPool'),
});
