import type { DType } from '../../../ir/dtype.js';
import { load, select, store } from '../../kernel/build.js';
import type { Expr, Kernel, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { ix, kernel, loop, suffix } from '../linalg/common.js';
import { levelVar, nest } from '../linalg/nest.js';
import {
  bluestein,
  bluesteinLength,
  putWork,
  radix2,
  work,
  type Line,
  type Terms,
  type Transform,
} from './fft.js';
import { F, f64, f64Table, I, i32, loadF64, locals, narrow, var_ } from './ir.js';

/**
 * Batched 1-D DFTs in float64, shared by DFT and STFT. Lines (the transforms) are addressed by
 * loop dims with input/output strides; each line is first loaded into a float64 scratch (zero
 * padding, the STFT window, the half-spectrum completion of an inverse real FFT), then transformed
 * by the cheapest of: the direct O(n^2) sum (short lengths), an in-place radix-2 FFT (powers of
 * two) or Bluestein's chirp-z on a radix-2 FFT (long other lengths, e.g. an n_fft of 400). All
 * agree with the reference's float64 FFT to about 1e-15 relative.
 */
export interface SpectralPlan {
  readonly name: string;
  /** Transform length. */
  readonly n: number;
  /** The line dims: extents and strides (in elements) in the input and output. */
  readonly lines: readonly {
    readonly extent: number;
    readonly inStride: number;
    readonly outStride: number;
  }[];
  readonly input: {
    readonly buffer: string;
    readonly dtype: DType;
    readonly comps: 1 | 2;
    readonly axisStride: number;
  };
  /** Input samples read per line (the rest is zero). */
  readonly take: number;
  /** Multiplies input sample t (STFT). */
  readonly window?: { readonly buffer: string; readonly dtype: DType };
  readonly output: {
    readonly buffer: string;
    readonly dtype: DType;
    readonly comps: 1 | 2;
    readonly axisStride: number;
  };
  /** Output bins per line. */
  readonly bins: number;
  readonly inverse: boolean;
  /** Input is the half spectrum of a real signal (inverse onesided): complete it by symmetry. */
  readonly hermitian: boolean;
}

export type Method = 'direct' | 'radix2' | 'bluestein';

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * By operation count: the direct sum does bins * n complex multiply-adds, Bluestein's two FFTs
 * m log2 m butterflies plus three pointwise passes (weighed double for them).
 */
export function methodFor(n: number, bins: number): Method {
  if (isPowerOfTwo(n)) return n >= 16 ? 'radix2' : 'direct';
  const m = bluesteinLength(n);
  return 2 * m * Math.log2(m) < bins * n ? 'bluestein' : 'direct';
}

export function spectralKernel(ctx: LowerContext, plan: SpectralPlan): Kernel {
  const { n } = plan;
  const method = methodFor(n, plan.bins);
  const len = method === 'bluestein' ? bluesteinLength(n) : n;
  const p = ctx.fresh('ft');
  const count = plan.lines.reduce((a, l) => a * l.extent, 1);
  const vars = plan.lines.map((l, i) => levelVar(`${p}l${i}`, l.extent));
  const strides = plan.lines.map((_, i) => plan.lines.slice(i + 1).reduce((a, l) => a * l.extent, 1) * len);
  const work = ctx.scratch('float64', 2 * count * len, 'dft_work');
  const lineTerms = vars.map((v, i) => [v, strides[i]!] as const);
  const line: Line = {
    p,
    plan,
    len,
    work,
    at: (part, terms, offset = 0) => ix(part * count * len + offset, [...lineTerms, ...terms]),
  };
  const io = { in: ioTerms(plan, vars, 'inStride'), out: ioTerms(plan, vars, 'outStride') };
  const transform =
    method === 'direct'
      ? direct(ctx, line, io.out)
      : method === 'radix2'
        ? radix2(ctx, line)
        : bluestein(ctx, line);
  const readOut = transform.readOut;
  const k = `${p}o`;
  const body = [
    ...loadLine(line, io.in),
    ...transform.stmts,
    ...(readOut ? [loop(k, plan.bins, storeBin(line, io.out, k, readOut(k, 0), readOut(k, 1)))] : []),
  ];
  const levels = plan.lines.map((l, i) => ({ v: vars[i], extent: l.extent }));
  return kernel(ctx, `${plan.name}_${method}_${suffix(plan.input.dtype)}`, nest(levels, body, true));
}

function ioTerms(
  plan: SpectralPlan,
  vars: readonly (string | undefined)[],
  which: 'inStride' | 'outStride',
): Terms {
  return plan.lines.map((l, i) => [vars[i], l[which]] as const);
}

/**
 * work[line] = (windowed) input, zero padded to the work length, completed by conjugate symmetry
 * for the inverse real FFT.
 */
function loadLine(c: Line, lineTerms: Terms): Stmt[] {
  const { plan, p, len } = c;
  const { n, take, input } = plan;
  const j = `${p}j`;
  const src = (comp: number): Expr => {
    const v = loadF64(input.buffer, input.dtype, ix(comp, [...lineTerms, [j, input.axisStride]]));
    return plan.window ? F.mul(v, loadF64(plan.window.buffer, plan.window.dtype, ix(0, [[j, 1]]))) : v;
  };
  const stmts: Stmt[] = [];
  if (take > 0) {
    const im = input.comps === 2 ? src(1) : f64(0);
    stmts.push(loop(j, take, [putWork(c, 0, [[j, 1]], src(0)), putWork(c, 1, [[j, 1]], im)]));
  }
  if (take < len) {
    const z = `${p}z`;
    const zero = (part: 0 | 1) => putWork(c, part, [[z, 1]], f64(0), take);
    stmts.push(loop(z, len - take, [zero(0), zero(1)]));
  }
  if (plan.hermitian) {
    // the imaginary parts of DC and (even n) Nyquist are dropped, as a complex-to-real FFT does
    stmts.push(putWork(c, 1, [], f64(0)));
    if (n % 2 === 0) stmts.push(putWork(c, 1, [], f64(0), n / 2));
    const m = Math.ceil(n / 2) - 1;
    const h = `${p}h`;
    if (m > 0) {
      stmts.push(
        loop(h, m, [
          putWork(c, 0, [[h, -1]], work(c, 0, [[h, 1]], 1), n - 1),
          putWork(c, 1, [[h, -1]], F.sub(f64(0), work(c, 1, [[h, 1]], 1)), n - 1),
        ]),
      );
    }
  }
  return stmts;
}

/** Stores bin k (re, im as f64 expressions) of the current line, scaled for the inverse. */
function storeBin(c: Line, lineTerms: Terms, k: string, re: Expr, im: Expr): Stmt[] {
  const { output, n, inverse } = c.plan;
  const scale = (v: Expr) => (inverse ? F.mul(v, f64(1 / n)) : v);
  const terms: Terms = [...lineTerms, [k, output.axisStride]];
  const out = (comp: number, v: Expr) =>
    store(output.buffer, output.dtype, ix(comp, terms), narrow(output.dtype, scale(v)));
  return output.comps === 1 ? [out(0, re)] : [out(0, re), out(1, im)];
}

/**
 * X[k] = sum_j x[j] w^(jk), w = e^(-+2 pi i / n): the twiddle index jk mod n is carried along the
 * j loop (m += k, wrapped), so the tables hold n entries.
 */
function direct(ctx: LowerContext, c: Line, outTerms: Terms): Transform {
  const { n, bins, inverse } = c.plan;
  const sign = inverse ? 1 : -1;
  const angle = (m: number) => (2 * Math.PI * m) / n;
  const cos = f64Table(
    ctx,
    Array.from({ length: n }, (_, m) => Math.cos(angle(m))),
    'dft_cos',
  );
  const sin = f64Table(
    ctx,
    Array.from({ length: n }, (_, m) => sign * Math.sin(angle(m))),
    'dft_sin',
  );
  const L = locals(c.p);
  const [k, j] = [`${c.p}k`, `${c.p}s`];
  const m = L.get('m', 'i32');
  const wr = load(cos, 'float64', { terms: [], offset: 0, dynamic: m });
  const wi = load(sin, 'float64', { terms: [], offset: 0, dynamic: m });
  const [xr, xi] = [work(c, 0, [[j, 1]]), work(c, 1, [[j, 1]])];
  const [re, im] = [L.get('re', 'f64'), L.get('im', 'f64')];
  // zero padding adds nothing: only the loaded samples (all n once completed by symmetry) count
  const terms = c.plan.hermitian || c.plan.take === 0 ? n : c.plan.take;
  const inner = loop(j, terms, [
    L.set('re', 'f64', F.add(re, F.sub(F.mul(xr, wr), F.mul(xi, wi)))),
    L.set('im', 'f64', F.add(im, F.add(F.mul(xr, wi), F.mul(xi, wr)))),
    L.set('m', 'i32', I.add(m, var_(k))),
    L.set('m', 'i32', select('i32', I.ge(m, i32(n)), I.sub(m, i32(n)), m)),
  ]);
  const perBin = [L.set('m', 'i32', i32(0)), L.set('re', 'f64', f64(0)), L.set('im', 'f64', f64(0)), inner];
  return { stmts: [loop(k, bins, [...perBin, ...storeBin(c, outTerms, k, re, im)])] };
}
