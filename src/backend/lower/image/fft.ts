import { Fft } from '../../../ops/image/fft.js';
import { load, store } from '../../kernel/build.js';
import type { Expr, Index, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { ix, loop } from '../linalg/common.js';
import { levelVar, nest } from '../linalg/nest.js';
import { F, f64Table, i32Table, locals } from './ir.js';
import type { SpectralPlan } from './spectral.js';

/**
 * FFT stages over a work line, every index affine in the stage's block and butterfly loops:
 * decimation in frequency takes natural order to bit-reversed order, decimation in time takes
 * bit-reversed order back to natural order, so neither needs a permutation pass. Radix-2 runs the
 * first and reads the bins through a bit-reversal table; Bluestein runs both around a pointwise
 * product with its chirp filter, whose spectrum is stored bit-reversed at compile time.
 */

export type Terms = readonly (readonly [string | undefined, number])[];

/** What the transform stages of one kernel share. */
export interface Line {
  /** Prefix of the kernel's loop variables and locals. */
  readonly p: string;
  readonly plan: SpectralPlan;
  /** Work elements per line (n, or Bluestein's padded length). */
  readonly len: number;
  readonly work: string;
  /** Index of the current line's work element: part 0 is re, 1 is im. */
  readonly at: (part: 0 | 1, terms: Terms, offset?: number) => Index;
}

/** The stages of a transform, and how bin k (re, im) is read from the work line afterwards. */
export interface Transform {
  readonly stmts: Stmt[];
  readonly readOut?: (k: string, part: 0 | 1) => Expr;
}

export const work = (c: Line, part: 0 | 1, terms: Terms, offset = 0): Expr =>
  load(c.work, 'float64', c.at(part, terms, offset));
export const putWork = (c: Line, part: 0 | 1, terms: Terms, v: Expr, offset = 0): Stmt =>
  store(c.work, 'float64', c.at(part, terms, offset), v);

/** The power of two Bluestein convolves in: >= 2n - 1, so the circular convolution does not wrap onto bins. */
export function bluesteinLength(n: number): number {
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  return m;
}

function bitReversal(count: number, len: number): number[] {
  const bits = Math.log2(len);
  return Array.from({ length: count }, (_, i) => {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
    return r;
  });
}

/** cos and sign * sin of 2 pi j / len for j < len / 2, as f64 tables. */
function twiddles(ctx: LowerContext, len: number, sign: number): [string, string] {
  const angle = (j: number) => (2 * Math.PI * j) / len;
  const half = Array.from({ length: len / 2 }, (_, j) => j);
  return [
    f64Table(
      ctx,
      half.map((j) => Math.cos(angle(j))),
      'fft_cos',
    ),
    f64Table(
      ctx,
      half.map((j) => sign * Math.sin(angle(j))),
      'fft_sin',
    ),
  ];
}

type Butterfly = 'dif' | 'dit';

/** All stages of one radix-2 transform of the work line (length c.len), in place. */
function stages(ctx: LowerContext, c: Line, kind: Butterfly, sign: number, tag: string): Stmt[] {
  const len = c.len;
  const [cos, sin] = twiddles(ctx, len, sign);
  const L = locals(`${c.p}${tag}`);
  const get = (name: string) => L.get(name, 'f64');
  const sizes: number[] = [];
  for (let size = 2; size <= len; size *= 2) sizes.push(size);
  if (kind === 'dif') sizes.reverse();
  return sizes.flatMap((size, stage) => {
    const h = size / 2;
    const blk = levelVar(`${c.p}${tag}b${stage}`, len / size);
    const k = levelVar(`${c.p}${tag}k${stage}`, h);
    const a: [string | undefined, number][] = [
      [blk, size],
      [k, 1],
    ];
    const tw = (table: string) => load(table, 'float64', ix(0, [[k, len / size]]));
    const read: Stmt[] = [
      L.set('ar', 'f64', work(c, 0, a)),
      L.set('ai', 'f64', work(c, 1, a)),
      L.set('br', 'f64', work(c, 0, a, h)),
      L.set('bi', 'f64', work(c, 1, a, h)),
      L.set('wr', 'f64', tw(cos)),
      L.set('wi', 'f64', tw(sin)),
    ];
    // (dr, di) times (wr, wi)
    const rot = (dr: Expr, di: Expr): [Expr, Expr] => [
      F.sub(F.mul(dr, get('wr')), F.mul(di, get('wi'))),
      F.add(F.mul(dr, get('wi')), F.mul(di, get('wr'))),
    ];
    let body: Stmt[];
    if (kind === 'dif') {
      // a' = a + b, b' = (a - b) w
      const [tr, ti] = rot(F.sub(get('ar'), get('br')), F.sub(get('ai'), get('bi')));
      body = [
        ...read,
        putWork(c, 0, a, F.add(get('ar'), get('br'))),
        putWork(c, 1, a, F.add(get('ai'), get('bi'))),
        putWork(c, 0, a, tr, h),
        putWork(c, 1, a, ti, h),
      ];
    } else {
      // t = b w, a' = a + t, b' = a - t
      const [tr, ti] = rot(get('br'), get('bi'));
      body = [
        ...read,
        L.set('tr', 'f64', tr),
        L.set('ti', 'f64', ti),
        putWork(c, 0, a, F.add(get('ar'), get('tr'))),
        putWork(c, 1, a, F.add(get('ai'), get('ti'))),
        putWork(c, 0, a, F.sub(get('ar'), get('tr')), h),
        putWork(c, 1, a, F.sub(get('ai'), get('ti')), h),
      ];
    }
    return nest(
      [
        { v: blk, extent: len / size },
        { v: k, extent: h },
      ],
      body,
    );
  });
}

export function radix2(ctx: LowerContext, c: Line): Transform {
  const { bins, inverse } = c.plan;
  const stmts = stages(ctx, c, 'dif', inverse ? 1 : -1, 'f');
  const rev = i32Table(ctx, bitReversal(bins, c.len), 'fft_bitrev');
  const readOut = (k: string, part: 0 | 1): Expr =>
    load(c.work, 'float64', { ...c.at(part, []), dynamic: load(rev, 'int32', ix(0, [[k, 1]])) });
  return { stmts, readOut };
}

/**
 * Bluestein: jk = (j^2 + k^2 - (k - j)^2) / 2 turns the DFT into a convolution with a chirp,
 * X[k] = c(k) sum_j (x[j] c(j)) conj(c)(k - j), c(t) = e^(-+ i pi t^2 / n), done as a length-m FFT,
 * a product with the chirp's spectrum and an inverse FFT. Angles use t^2 mod 2n to stay exact.
 */
export function bluestein(ctx: LowerContext, c: Line): Transform {
  const { n, bins, inverse } = c.plan;
  const m = c.len;
  const sigma = inverse ? 1 : -1;
  const angle = (t: number) => (Math.PI * ((t * t) % (2 * n))) / n;
  const chirp = (count: number, s: number, scale: number) => [
    Array.from({ length: count }, (_, t) => (scale * Math.cos(angle(t))) as number),
    Array.from({ length: count }, (_, t) => scale * s * Math.sin(angle(t))),
  ];
  const [preRe, preIm] = chirp(n, sigma, 1);
  const [postRe, postIm] = chirp(bins, sigma, 1 / m);
  // the filter conj(c) wrapped for circular convolution, transformed now, stored bit-reversed
  const fRe = new Float64Array(m);
  const fIm = new Float64Array(m);
  for (let t = 0; t < n; t++) {
    fRe[t] = fRe[(m - t) % m] = Math.cos(angle(t));
    fIm[t] = fIm[(m - t) % m] = -sigma * Math.sin(angle(t));
  }
  new Fft(m).transform(fRe, fIm, false);
  const rev = bitReversal(m, m);
  const tables = {
    preRe: f64Table(ctx, preRe!, 'chirp_re'),
    preIm: f64Table(ctx, preIm!, 'chirp_im'),
    fRe: f64Table(
      ctx,
      rev.map((r) => fRe[r]!),
      'chirp_filter_re',
    ),
    fIm: f64Table(
      ctx,
      rev.map((r) => fIm[r]!),
      'chirp_filter_im',
    ),
    postRe: f64Table(ctx, postRe!, 'chirp_post_re'),
    postIm: f64Table(ctx, postIm!, 'chirp_post_im'),
  };
  const L = locals(`${c.p}z`);
  const multiply = (v: string, extent: number, re: string, im: string): Stmt =>
    loop(v, extent, [
      L.set('xr', 'f64', work(c, 0, [[v, 1]])),
      L.set('xi', 'f64', work(c, 1, [[v, 1]])),
      L.set('cr', 'f64', load(re, 'float64', ix(0, [[v, 1]]))),
      L.set('ci', 'f64', load(im, 'float64', ix(0, [[v, 1]]))),
      putWork(
        c,
        0,
        [[v, 1]],
        F.sub(F.mul(L.get('xr', 'f64'), L.get('cr', 'f64')), F.mul(L.get('xi', 'f64'), L.get('ci', 'f64'))),
      ),
      putWork(
        c,
        1,
        [[v, 1]],
        F.add(F.mul(L.get('xr', 'f64'), L.get('ci', 'f64')), F.mul(L.get('xi', 'f64'), L.get('cr', 'f64'))),
      ),
    ]);
  const stmts = [
    multiply(`${c.p}zj`, n, tables.preRe, tables.preIm),
    ...stages(ctx, c, 'dif', -1, 'f'),
    multiply(`${c.p}zq`, m, tables.fRe, tables.fIm),
    ...stages(ctx, c, 'dit', 1, 'i'),
  ];
  const readOut = (k: string, part: 0 | 1): Expr => {
    const [xr, xi] = [work(c, 0, [[k, 1]]), work(c, 1, [[k, 1]])];
    const [pr, pi] = [
      load(tables.postRe, 'float64', ix(0, [[k, 1]])),
      load(tables.postIm, 'float64', ix(0, [[k, 1]])),
    ];
    return part === 0 ? F.sub(F.mul(xr, pr), F.mul(xi, pi)) : F.add(F.mul(xr, pi), F.mul(xi, pr));
  };
  return { stmts, readOut };
}
