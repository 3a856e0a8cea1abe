import type { Index, Stmt } from '../../kernel/ir.js';

/** One operand of a nest: its element offset and its stride along every dim of the iteration space. */
export interface Access {
  readonly offset: number;
  readonly strides: readonly number[];
}

/**
 * An iteration space (row-major: the last dim is the innermost loop) and the affine element index of
 * each operand in it. Every copy of the family is a nest with a destination and a source access;
 * fills have only a destination; gathers add the access of their index tensor.
 */
export interface Nest {
  readonly extents: readonly number[];
  readonly accesses: readonly Access[];
}

/** Strides of a row-major contiguous tensor of `shape`. */
export function rowMajor(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * The same iterations on as few dims as possible: size-1 dims drop out, and a dim merges into the
 * one outside it when every access walks both as one run (outer stride = inner stride x inner
 * extent). Long inner loops are what the renderer vectorizes. undefined when the space is empty.
 */
export function normalizeNest(n: Nest): Nest | undefined {
  if (n.extents.some((e) => e === 0)) return undefined;
  const extents: number[] = [];
  const strides: number[][] = n.accesses.map(() => []);
  n.extents.forEach((e, d) => {
    if (e === 1) return;
    const last = extents.length - 1;
    const merges = last >= 0 && n.accesses.every((a, k) => strides[k]![last] === a.strides[d]! * e);
    if (merges) {
      extents[last] = extents[last]! * e;
      n.accesses.forEach((a, k) => (strides[k]![last] = a.strides[d]!));
    } else {
      extents.push(e);
      n.accesses.forEach((a, k) => strides[k]!.push(a.strides[d]!));
    }
  });
  return { extents, accesses: n.accesses.map((a, k) => ({ offset: a.offset, strides: strides[k]! })) };
}

export interface NestOptions {
  /** Iterations of the innermost loop are independent and may run in SIMD lanes. */
  readonly vectorize?: boolean;
  /** Iterations of the outermost loop write disjoint outputs and may be split over threads. */
  readonly parallel?: boolean;
}

/**
 * Loops over the (normalized) nest with variables `${prefix}0..`; `body` receives the element index
 * of every access at the current iteration and the loop variables.
 */
export function emitNest(
  n: Nest,
  prefix: string,
  body: (indices: Index[], vars: string[]) => readonly Stmt[],
  opts: NestOptions = {},
): Stmt[] {
  const vars = n.extents.map((_, d) => `${prefix}${d}`);
  const indices = n.accesses.map((a): Index => ({
    terms: vars.map((v, d) => ({ v, stride: a.strides[d]! })).filter((t) => t.stride !== 0),
    offset: a.offset,
  }));
  let inner: readonly Stmt[] = body(indices, vars);
  for (let d = n.extents.length - 1; d >= 0; d--) {
    const loop: Stmt = {
      op: 'loop',
      v: vars[d]!,
      extent: n.extents[d]!,
      body: inner,
      ...(d === n.extents.length - 1 && opts.vectorize ? { vectorize: true } : {}),
      ...(d === 0 && opts.parallel ? { parallel: true } : {}),
    };
    inner = [loop];
  }
  return [...inner];
}

/** Normalizes and emits, or nothing for an empty space. */
export function emitNormalized(
  n: Nest,
  prefix: string,
  body: (indices: Index[], vars: string[]) => readonly Stmt[],
  opts: NestOptions = {},
): Stmt[] {
  const norm = normalizeNest(n);
  return norm ? emitNest(norm, prefix, body, opts) : [];
}
