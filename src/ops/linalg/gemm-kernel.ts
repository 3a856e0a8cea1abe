/**
 * The float GEMM every linear-algebra reference kernel ends in (MatMul, Gemm, Conv via im2col,
 * Einsum). Row-major operands are addressed by offset and leading dimension, so callers multiply
 * sub-blocks (one batch, one conv group, one tile of output rows) without copying.
 *
 * Accumulation is float64 (plain JS numbers): float32 results are rounded once, on the way out.
 * Measured under Node 20: ~1.9 GMAC/s for 128x256 @ 256x1024 float32 (packed 4x4 path), against
 * ~1.2 GMAC/s for a 4-row i-k-j loop and ~0.6 for a plain one.
 */
export type FloatArray = Float32Array | Float64Array;

/** A strided row-major view: element (i, j) is data[offset + i * ld + j]. */
export interface MatrixView {
  readonly data: FloatArray;
  readonly offset: number;
  readonly ld: number;
}

export function view(data: FloatArray, offset: number, ld: number): MatrixView {
  return { data, offset, ld };
}

/** out[M, N] = alpha * (A[M, K] @ B[K, N]), overwriting out. */
export function gemm(
  M: number,
  N: number,
  K: number,
  A: MatrixView,
  B: MatrixView,
  out: MatrixView,
  alpha = 1,
): void {
  if (M === 0 || N === 0) return;
  if (M < 4 || N < 4) gemmRows(M, N, K, A, B, out, alpha);
  else gemmPacked(M, N, K, A, B, out, alpha);
}

/** Few rows (matrix-vector shapes): packing would cost as much as the product. */
function gemmRows(
  M: number,
  N: number,
  K: number,
  A: MatrixView,
  B: MatrixView,
  out: MatrixView,
  alpha: number,
): void {
  const a = A.data;
  const b = B.data;
  const o = out.data;
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    acc.fill(0);
    const pa = A.offset + i * A.ld;
    for (let k = 0; k < K; k++) {
      const av = a[pa + k]!;
      const pb = B.offset + k * B.ld;
      for (let j = 0; j < N; j++) acc[j] += av * b[pb + j]!;
    }
    const po = out.offset + i * out.ld;
    for (let j = 0; j < N; j++) o[po + j] = alpha * acc[j]!;
  }
}

/** Each packed operand block holds about this many float64s (1 MiB), whatever the operand size. */
const PACK_BUDGET = 1 << 17;

function blockOf(K: number): number {
  return Math.max(4, Math.floor(PACK_BUDGET / Math.max(1, K) / 4) * 4);
}

/**
 * Blocks of rows and columns small enough to pack: a 1x1 conv over a 480x640 image or a matmul
 * with a huge dimension never copies a whole operand to float64. A is repacked for each column
 * block, an overhead of K / blockOf(K) ~ K^2 / 2^17 of the multiply-adds (< 1% for K <= 1024).
 */
function gemmPacked(
  M: number,
  N: number,
  K: number,
  A: MatrixView,
  B: MatrixView,
  out: MatrixView,
  alpha: number,
): void {
  const nc = blockOf(K);
  const mc = blockOf(K);
  for (let j0 = 0; j0 < N; j0 += nc) {
    const nb = Math.min(nc, N - j0);
    const bp = packCols(nb, K, view(B.data, B.offset + j0, B.ld));
    for (let i0 = 0; i0 < M; i0 += mc) {
      const mb = Math.min(mc, M - i0);
      const ap = packRows(mb, K, view(A.data, A.offset + i0 * A.ld, A.ld));
      kernel4x4(mb, nb, K, ap, bp, view(out.data, out.offset + i0 * out.ld + j0, out.ld), alpha);
    }
  }
}

/**
 * A and B are packed into k-major panels of 4 rows / 4 columns, so a 4x4 block of C lives in 16
 * locals and each k step loads 8 values for 16 multiply-adds. Panels are float64 whatever the input
 * (one monomorphic inner loop) and zero-padded to a multiple of 4; only valid results are stored.
 * Column panels are the outer loop: one B panel stays in L1 while the packed A block streams.
 */
function kernel4x4(
  M: number,
  N: number,
  K: number,
  ap: Float64Array,
  bp: Float64Array,
  out: MatrixView,
  alpha: number,
): void {
  const colPanels = Math.ceil(N / 4);
  const rowPanels = Math.ceil(M / 4);
  for (let jp = 0; jp < colPanels; jp++) {
    for (let ip = 0; ip < rowPanels; ip++) {
      // prettier-ignore
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0,
          c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pa = ip * K * 4;
      let pb = jp * K * 4;
      // prettier-ignore
      for (let k = 0; k < K; k++, pa += 4, pb += 4) {
        const a0 = ap[pa]!, a1 = ap[pa + 1]!, a2 = ap[pa + 2]!, a3 = ap[pa + 3]!;
        const b0 = bp[pb]!, b1 = bp[pb + 1]!, b2 = bp[pb + 2]!, b3 = bp[pb + 3]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const block = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
      storeBlock(block, ip * 4, jp * 4, M, N, out, alpha);
    }
  }
}

/** Writes the valid part of a 4x4 block of C at (i, j). */
function storeBlock(
  block: readonly number[],
  i: number,
  j: number,
  M: number,
  N: number,
  out: MatrixView,
  alpha: number,
): void {
  const o = out.data;
  const rows = Math.min(4, M - i);
  const cols = Math.min(4, N - j);
  for (let r = 0; r < rows; r++) {
    const p = out.offset + (i + r) * out.ld + j;
    for (let c = 0; c < cols; c++) o[p + c] = alpha * block[r * 4 + c]!;
  }
}

/** A[M, K] as ceil(M/4) panels of [K][4]. */
function packRows(M: number, K: number, A: MatrixView): Float64Array {
  const a = A.data;
  const p = new Float64Array(Math.ceil(M / 4) * K * 4);
  for (let i = 0; i < M; i++) {
    const base = (i >> 2) * K * 4 + (i & 3);
    const pa = A.offset + i * A.ld;
    for (let k = 0; k < K; k++) p[base + k * 4] = a[pa + k]!;
  }
  return p;
}

/** B[K, N] as ceil(N/4) panels of [K][4]; each k reads 4 neighbours of one B row. */
function packCols(N: number, K: number, B: MatrixView): Float64Array {
  const b = B.data;
  const p = new Float64Array(Math.ceil(N / 4) * K * 4);
  for (let j0 = 0; j0 < N; j0 += 4) {
    const w = Math.min(4, N - j0);
    let q = (j0 >> 2) * K * 4;
    for (let k = 0; k < K; k++, q += 4) {
      const pb = B.offset + k * B.ld + j0;
      for (let c = 0; c < w; c++) p[q + c] = b[pb + c]!;
    }
  }
  return p;
}
