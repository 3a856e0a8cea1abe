import type { DType } from '../../ir/dtype.js';

/**
 * The kernel IR: loop nests over named buffers with every extent, stride and offset a constant.
 * Lowerings turn graph nodes into kernels; renderers (wasm SIMD now, native C later) turn kernels into
 * code. It says WHAT is computed and which loops may be vectorized or split over threads; HOW
 * (SIMD width, unrolling, math routines) belongs to the renderer.
 */

/** Types values are computed in. Storage dtypes widen on load and narrow on store (see Load/Store). */
export type Scalar = 'f32' | 'f64' | 'i32' | 'i64';

/**
 * An element index: sum of loop variables times constant strides, plus a constant offset, plus an
 * optional data-dependent part (Gather). Affine form is what lets the renderer vectorize.
 */
export interface Index {
  readonly terms: readonly { readonly v: string; readonly stride: number }[];
  readonly offset: number;
  /** An i32 expression added to the affine part (in elements), e.g. a gathered row times its stride. */
  readonly dynamic?: Expr;
}

export type UnaryFn =
  | 'neg'
  | 'abs'
  | 'sqrt'
  | 'floor'
  | 'ceil'
  | 'trunc'
  /** round half to even */
  | 'nearest'
  | 'exp'
  | 'log'
  | 'tanh'
  | 'sigmoid'
  | 'erf'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'asin'
  | 'acos'
  | 'atan'
  | 'sinh'
  | 'cosh'
  | 'asinh'
  | 'acosh'
  | 'atanh'
  /** integer: x == 0 ? 1 : 0 */
  | 'not'
  | 'bitnot'
  /** float -> i32 0/1 */
  | 'isnan';

export type BinaryFn =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  /** integer remainder with the sign of the dividend (C); floats: fmod */
  | 'rem'
  | 'min'
  | 'max'
  | 'pow'
  | 'and'
  | 'or'
  | 'xor'
  | 'shl'
  | 'shr';

export type CompareFn = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type Expr =
  | { readonly op: 'const'; readonly type: Scalar; readonly value: number | bigint }
  /** A loop variable (i32). */
  | { readonly op: 'var'; readonly name: string }
  /** A scalar local set by a Set statement. */
  | { readonly op: 'local'; readonly name: string; readonly type: Scalar }
  /**
   * Reads one element and widens it: floats to f32 (f64 stays f64), ints of <= 32 bits and bool to i32,
   * 64-bit ints to i64. `dtype` may differ from the buffer's dtype if the width is the same: that
   * reinterprets the bits (copies move float16 as uint16, so NaN payloads survive).
   */
  | { readonly op: 'load'; readonly buffer: string; readonly dtype: DType; readonly index: Index }
  | { readonly op: 'unary'; readonly fn: UnaryFn; readonly type: Scalar; readonly x: Expr }
  /**
   * `unsigned` selects unsigned div/rem/shr/min/max for integer types. Integer division or
   * remainder by zero gives 0 and INT_MIN / -1 wraps (no trap); shifts by the width or more give 0
   * (or the sign fill for a signed shr), as numpy; integer pow with a negative exponent gives 0 except
   * for bases 1 and -1. Float rem is fmod; float pow follows C99.
   */
  | {
      readonly op: 'binary';
      readonly fn: BinaryFn;
      readonly type: Scalar;
      readonly a: Expr;
      readonly b: Expr;
      readonly unsigned?: boolean;
    }
  /** Yields i32 0 or 1. Float comparisons with NaN are false except 'ne'. */
  | {
      readonly op: 'compare';
      readonly fn: CompareFn;
      readonly type: Scalar;
      readonly a: Expr;
      readonly b: Expr;
      readonly unsigned?: boolean;
    }
  | { readonly op: 'select'; readonly type: Scalar; readonly cond: Expr; readonly a: Expr; readonly b: Expr }
  /** Numeric conversion; float -> int truncates toward zero and saturates; `unsigned` treats the integer side as unsigned. */
  | {
      readonly op: 'convert';
      readonly from: Scalar;
      readonly to: Scalar;
      readonly x: Expr;
      readonly unsigned?: boolean;
    };

export type Stmt =
  /**
   * for (v = 0; v < extent; v++) body. `vectorize`: iterations are independent and the renderer may
   * run them in SIMD lanes (it checks that every index has stride 0 or 1 in v, else runs scalar).
   * `parallel`: iterations may be split over threads.
   */
  | {
      readonly op: 'loop';
      readonly v: string;
      readonly extent: number;
      readonly body: readonly Stmt[];
      readonly vectorize?: boolean;
      readonly parallel?: boolean;
    }
  /** Narrows the value to the buffer's dtype: floats round to nearest even (halves included), ints wrap. */
  | {
      readonly op: 'store';
      readonly buffer: string;
      readonly dtype: DType;
      readonly index: Index;
      readonly value: Expr;
    }
  /** Declares or updates a scalar local. */
  | { readonly op: 'set'; readonly name: string; readonly type: Scalar; readonly value: Expr }
  | { readonly op: 'if'; readonly cond: Expr; readonly then: readonly Stmt[]; readonly else: readonly Stmt[] }
  | GemmCall;

/**
 * A strided view of a float32 matrix inside a buffer: element (r, c) is at
 *   offset + r * rowStride + c * colStride.
 * With `panels` (operands prepacked into a micro-kernel's panel order) the panel dimension is cut into
 * panels of `width` consecutive indices, `stride` elements apart:
 *   along 'col':  offset + floor(c / width) * stride + r * rowStride + (c % width) * colStride
 *   along 'row':  offset + floor(r / width) * stride + (r % width) * rowStride + c * colStride
 * e.g. B [K, N] in column panels of 8 (rowStride 8, colStride 1, stride 8K): each k step of a panel
 * reads 8 consecutive floats. The buffer holds whole panels: indices of the last panel past the
 * matrix's extent are zeros a renderer may read (never write). A sub-range of rows or columns stays a
 * MatrixRef: along the panel dimension it must start at a multiple of `width` (offset +
 * start / width * stride); along the other, offset + start * its stride (see kernel/matrix.ts).
 */
export interface MatrixRef {
  readonly buffer: string;
  /** In elements. */
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
  readonly panels?: Panels;
  /**
   * A 16-bit float storage of the matrix, widened to float32 in registers (and C rounded to it when
   * stored); absent: float32. Panel-packed operands (auto-cast weights) carry HALF_PADDING zero bytes
   * after their last panel, so renderers may load a tile's values as one vector; other matrices (16-bit
   * activations: A, B, C, the residual) are read and written exactly. Arithmetic stays float32.
   */
  readonly half?: 'bfloat16' | 'float16';
}

/** Zero bytes after a 16-bit packed operand's last panel (see MatrixRef.half). */
export const HALF_PADDING = 16;

export interface Panels {
  readonly along: 'row' | 'col';
  /** Indices per panel; a gemm renderer uses it as its register tile along that dimension. */
  readonly width: number;
  /** Elements from one panel to the next. */
  readonly stride: number;
}

/**
 * The elementwise tail a GEMM or convolution applies in registers before its store, after bias and
 * residual: what graph-level epilogue fusion folds into the producing kernel.
 */
export type Activation =
  /** relu (min 0), relu6, clip */
  | { readonly kind: 'clamp'; readonly min: number; readonly max: number }
  | { readonly kind: 'leakyrelu'; readonly alpha: number }
  | { readonly kind: 'sigmoid' }
  /** x * sigmoid(x) (a.k.a. swish) */
  | { readonly kind: 'silu' }
  | { readonly kind: 'tanh' }
  /** max(0, min(1, alpha * x + beta)) */
  | { readonly kind: 'hardsigmoid'; readonly alpha: number; readonly beta: number }
  /** x * max(0, min(1, x / 6 + 1/2)) */
  | { readonly kind: 'hardswish' }
  | { readonly kind: 'gelu'; readonly approximate: 'none' | 'tanh' };

/**
 * C[M,N] = A[M,K] x B[K,N] (+ C if accumulate) (+ bias) (+ residual), then the activation, then clamp
 * to [min, max]: the register-blocked SIMD micro-kernel every MatMul, Gemm and Conv lowers to. float32
 * only in v1. A and B may be panel-packed (MatrixRef.panels); bias, residual and C may not. Splitting a
 * call over threads keeps it a GemmCall: a block of rows [r0, r1) is m = r1 - r0 with A, C and the
 * residual moved by r0 rows (a 'row' bias by r0 elements); a block of columns moves B, C, the residual
 * and a 'col' bias. Blocks start at multiples of the panel width of a packed operand (and ideally of
 * `tile`).
 */
export interface GemmCall {
  readonly op: 'gemm';
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: MatrixRef;
  readonly b: MatrixRef;
  readonly c: MatrixRef;
  readonly accumulate: boolean;
  /** bias[i] added to row i ('row') or bias[j] to column j ('col'), float32. */
  readonly bias?: { readonly buffer: string; readonly offset: number; readonly along: 'row' | 'col' };
  /** R[i, j] added after the bias (a residual connection), float32. */
  readonly residual?: MatrixRef;
  readonly activation?: Activation;
  readonly clamp?: { readonly min: number; readonly max: number };
  /**
   * Register tile (rows x columns of C) the lowering's cost model chose; a renderer may ignore it. A
   * packed operand's panel width overrides it along its dimension.
   */
  readonly tile?: { readonly mr: number; readonly nr: number };
}

/** One unit of the schedule: a loop nest (or micro-kernel calls) over buffers. */
export interface Kernel {
  /** XNNPACK-style name: what it computes, e.g. `conv2d_3x3s2_f32` or `add_f32_broadcast`. */
  readonly name: string;
  /** The graph node it comes from, for errors and profiles. */
  readonly node: string;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  readonly body: readonly Stmt[];
}
