import { binary, constant, unary } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';

/**
 * Winograd's minimal filtering F(m x m, 3 x 3) as data: the transform matrices derived from
 * interpolation points (modified Toom-Cook, the last point at infinity), and the code that applies
 * them as straight-line kernel IR. Y = A^T [(G g G^T) . (B^T d B)] A for one alpha x alpha input
 * tile d (alpha = m + 2) and one 3 x 3 filter g.
 */

export type Matrix = readonly (readonly number[])[];

export interface WinogradTile {
  /** Kernel-name part: `wino4x4`. */
  readonly name: string;
  /** Output tile edge. */
  readonly m: number;
  /** Input tile edge, m + 2. */
  readonly alpha: number;
  /** m x alpha. */
  readonly AT: Matrix;
  /** alpha x 3. */
  readonly G: Matrix;
  /** alpha x alpha. */
  readonly BT: Matrix;
}

const R = 3;

/**
 * The transforms for output tile m from the alpha - 1 finite points. A^T is the Vandermonde matrix
 * of the points (plus the point at infinity), G carries the Lagrange denominators (it is applied at
 * compile time in float64, so its fractions cost nothing), and B^T is whatever makes the identity
 * sum_k A^T[i][k] G[k][j] B^T[k][l] = [l == i + j] hold: solved column by column, then verified.
 */
export function toomCook(m: number, points: readonly number[]): WinogradTile {
  const alpha = m + R - 1;
  if (points.length !== alpha - 1 || new Set(points).size !== points.length)
    throw new Error(`F(${m},3) needs ${alpha - 1} distinct finite points`);
  const pow = (a: number, e: number): number => (e === 0 ? 1 : a ** e);
  const AT = Array.from({ length: m }, (_, i) => [...points.map((a) => pow(a, i)), i === m - 1 ? 1 : 0]);
  const f = points.map((a, k) => Math.abs(points.reduce((p, b, l) => (l === k ? p : p * (a - b)), 1)));
  const G = [
    ...points.map((a, k) => Array.from({ length: R }, (_, j) => pow(a, j) / f[k]!)),
    Array.from({ length: R }, (_, j) => (j === R - 1 ? 1 : 0)),
  ];
  const BT = Array.from({ length: alpha }, () => new Array<number>(alpha).fill(0));
  for (let l = 0; l < alpha; l++) {
    const eqs: { row: number[]; rhs: number }[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < R; j++) {
        eqs.push({
          row: Array.from({ length: alpha }, (_, k) => AT[i]![k]! * G[k]![j]!),
          rhs: l === i + j ? 1 : 0,
        });
      }
    }
    const col = leastSquares(eqs, alpha);
    for (const e of eqs) {
      const lhs = e.row.reduce((s, v, k) => s + v * col[k]!, 0);
      if (Math.abs(lhs - e.rhs) > 1e-9) throw new Error(`points ${points.join()} give no B^T`);
    }
    col.forEach((v, k) => (BT[k]![l] = dyadic(v)));
  }
  return { name: `wino${m}x${m}`, m, alpha, AT, G, BT };
}

/** Snaps v to a multiple of 1/64 when it is one up to rounding (the entries are small rationals). */
function dyadic(v: number): number {
  const q = Math.round(v * 64) / 64;
  return Math.abs(q - v) < 1e-9 ? q : v;
}

/** Solves the normal equations of an overdetermined consistent system by Gauss-Jordan elimination. */
function leastSquares(eqs: readonly { row: readonly number[]; rhs: number }[], n: number): number[] {
  const A = Array.from({ length: n }, (_, p) =>
    Array.from({ length: n }, (_, q) => eqs.reduce((s, e) => s + e.row[p]! * e.row[q]!, 0)),
  );
  const b = Array.from({ length: n }, (_, p) => eqs.reduce((s, e) => s + e.row[p]! * e.rhs, 0));
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let q = c + 1; q < n; q++) if (Math.abs(A[q]![c]!) > Math.abs(A[piv]![c]!)) piv = q;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    for (let q = 0; q < n; q++) {
      if (q === c) continue;
      const t = A[q]![c]! / A[c]![c]!;
      for (let z = c; z < n; z++) A[q]![z]! -= t * A[c]![z]!;
      b[q]! -= t * b[c]!;
    }
  }
  return b.map((v, k) => v / A[k]![k]!);
}

/**
 * F(4x4, 3x3) on 0, +-1, 1/2, -2 rather than the usual 0, +-1, +-2: measured on random tiles with
 * 64 channels in float32, rms error 2.7e-6 against 4.2e-6 (max 2.0e-5 against 6.0e-5), for a few
 * more multiplies in the transforms, which are not where the time goes.
 */
export const F4X4 = toomCook(4, [0, 1, -1, 0.5, -2]);
/** F(2x2, 3x3): 2.25x fewer multiplies instead of 4x, but as accurate as the direct conv. */
export const F2X2 = toomCook(2, [0, 1, -1]);

/**
 * G g G^T in float64 for 3 x 3 filters of `src` (compile-time weights): the returned function puts
 * filter f's value `pos` at out[base + pos * posStride]. Callers visit filters in the order of
 * `base`, so the alpha^2 output streams advance together through memory (scattered, a million
 * filters took seconds).
 */
export function filterTransform(
  t: WinogradTile,
  src: Float32Array,
  out: Float32Array,
  posStride: number,
): (f: number, base: number) => void {
  const a = t.alpha;
  const G = Float64Array.from(t.G.flat());
  const tmp = new Float64Array(a * R);
  return (f, base) => {
    const o = f * 9;
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < R; j++)
        tmp[i * R + j] =
          G[i * R]! * src[o + j]! + G[i * R + 1]! * src[o + R + j]! + G[i * R + 2]! * src[o + 2 * R + j]!;
    }
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < a; j++) {
        const v = tmp[i * R]! * G[j * R]! + tmp[i * R + 1]! * G[j * R + 1]! + tmp[i * R + 2]! * G[j * R + 2]!;
        out[base + (i * a + j) * posStride] = v;
      }
    }
  };
}

/** Straight-line code that keeps every intermediate in a named f32 local. */
export class Emitter {
  readonly stmts: Stmt[] = [];
  private count = 0;

  constructor(private readonly prefix: string) {}

  /** `value` as a local, so later uses read it instead of recomputing it. */
  bind(value: Expr): Expr {
    if (value.op === 'local' || value.op === 'const') return value;
    const name = `${this.prefix}${this.count++}`;
    this.stmts.push({ op: 'set', name, type: 'f32', value });
    return { op: 'local', name, type: 'f32' };
  }
}

const f32 = (v: number): Expr => constant('f32', v);

/** sum_k c_k x_k with unit coefficients as plain adds and subtracts; undefined for no terms. */
function weightedSum(terms: readonly (readonly [number, Expr])[]): Expr | undefined {
  const nz = terms.filter(([c]) => c !== 0);
  // start from a positive term so the sum needs no negation
  const first = nz.findIndex(([c]) => c > 0);
  if (first > 0) nz.unshift(...nz.splice(first, 1));
  let acc: Expr | undefined;
  for (const [c, x] of nz) {
    const mag = Math.abs(c);
    const t = mag === 1 ? x : binary('mul', 'f32', f32(mag), x);
    if (!acc) acc = c > 0 ? t : unary('neg', 'f32', t);
    else acc = binary(c > 0 ? 'add' : 'sub', 'f32', acc, t);
  }
  return acc;
}

/**
 * y = mat . x for the rows in `rows`, bound to locals. Two rows whose coefficients agree up to sign
 * (the +p and -p interpolation points) share their even and odd parts: y_r = P + Q, y_r' = P - Q.
 */
export function applyMatrix(
  e: Emitter,
  mat: Matrix,
  x: readonly Expr[],
  rows: readonly number[] = mat.map((_, i) => i),
): Expr[] {
  const out = new Map<number, Expr>();
  const zero = f32(0);
  for (const r of rows) {
    if (out.has(r)) continue;
    const row = mat[r]!;
    const partner = rows.find(
      (q) =>
        q !== r &&
        !out.has(q) &&
        mat[q]!.every((c, k) => Math.abs(c) === Math.abs(row[k]!)) &&
        mat[q]!.some((c, k) => c !== row[k]!),
    );
    if (partner === undefined) {
      out.set(r, e.bind(weightedSum(row.map((c, k) => [c, x[k]!] as const)) ?? zero));
      continue;
    }
    const same = row.map((c, k) => [mat[partner]![k] === c ? c : 0, x[k]!] as const);
    const diff = row.map((c, k) => [mat[partner]![k] === c ? 0 : c, x[k]!] as const);
    const P = weightedSum(same);
    const Q = weightedSum(diff)!;
    if (!P) {
      const q = e.bind(Q);
      out.set(r, q);
      out.set(partner, e.bind(unary('neg', 'f32', q)));
      continue;
    }
    const [p, q] = [e.bind(P), e.bind(Q)];
    out.set(r, e.bind(binary('add', 'f32', p, q)));
    out.set(partner, e.bind(binary('sub', 'f32', p, q)));
  }
  return rows.map((r) => out.get(r)!);
}

/**
 * Rows `rowsL` and columns `rowsR` of L X L^T for an n x n tile X (row-major): L down each column
 * of X, then L along each row of the intermediate. Returns rowsL x rowsR values, row-major.
 */
export function applyBothSides(
  e: Emitter,
  L: Matrix,
  X: readonly Expr[],
  rowsL: readonly number[],
  rowsR: readonly number[],
): Expr[] {
  const n = L[0]!.length;
  const cols = Array.from({ length: n }, (_, j) =>
    applyMatrix(
      e,
      L,
      Array.from({ length: n }, (_, i) => X[i * n + j]!),
      rowsL,
    ),
  );
  return rowsL.flatMap((_, i) =>
    applyMatrix(
      e,
      L,
      cols.map((c) => c[i]!),
      rowsR,
    ),
  );
}
