import { sizeOf } from '../../ir/tensor.js';
import { broadcastIndex, broadcastStatic, isSameShape } from '../support/broadcast.js';

/** Indexable storage: typed arrays of numbers or bigints, read or written element by element. */
export interface Readable<T> {
  readonly [i: number]: T;
  readonly length: number;
}
export interface Writable<T> {
  [i: number]: T;
  readonly length: number;
}

/**
 * How a broadcast output visits its inputs. The output is cut into rows along its innermost dim;
 * along a row each input either advances (step 1) or repeats one element (step 0), so the hot loop
 * stays a contiguous run and the index tables are only rows long, not output long.
 */
export interface Walk {
  readonly shape: readonly number[];
  readonly size: number;
  /** Every input already has the output's shape: element i feeds element i. */
  readonly same: boolean;
  readonly rowLength: number;
  readonly rows: number;
  /** Per input, the flat offset where each row starts. */
  readonly rowStart: readonly Int32Array[];
  /** Per input, 0 or 1. */
  readonly step: readonly number[];
}

export function planWalk(shapes: readonly (readonly number[])[]): Walk {
  const shape = broadcastStatic(shapes);
  const size = sizeOf(shape);
  if (shapes.every((s) => isSameShape(s, shape)) || size === 0) {
    return { shape, size, same: true, rowLength: size, rows: size === 0 ? 0 : 1, rowStart: [], step: [] };
  }
  const rank = shape.length;
  const rowLength = shape[rank - 1]!;
  const outer = shape.slice(0, -1);
  const rowStart: Int32Array[] = [];
  const step: number[] = [];
  for (const s of shapes) {
    const padded = [...new Array<number>(rank - s.length).fill(1), ...s];
    const last = padded[rank - 1]!;
    const starts = broadcastIndex(outer, padded.slice(0, -1));
    for (let r = 0; r < starts.length; r++) starts[r] = starts[r]! * last;
    rowStart.push(starts);
    step.push(last === 1 ? 0 : 1);
  }
  return { shape, size, same: false, rowLength, rows: size / rowLength, rowStart, step };
}

export function map1<X, R>(x: Readable<X>, out: Writable<R>, f: (v: X) => R): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = f(x[i]!);
}

/** out = f(a, b) over a broadcast walk, with straight loops when shapes agree or one side is a scalar. */
export function map2<X, Y, R>(
  a: Readable<X>,
  b: Readable<Y>,
  out: Writable<R>,
  w: Walk,
  f: (x: X, y: Y) => R,
): void {
  const n = w.size;
  if (w.same) {
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return;
  }
  if (b.length === 1 && a.length === n) {
    const v = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, v);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const v = a[0]!;
    for (let i = 0; i < n; i++) out[i] = f(v, b[i]!);
    return;
  }
  const [ra, rb] = w.rowStart as [Int32Array, Int32Array];
  const [sa, sb] = w.step as [number, number];
  const len = w.rowLength;
  for (let r = 0, o = 0; r < w.rows; r++) {
    let pa = ra[r]!;
    let pb = rb[r]!;
    for (let j = 0; j < len; j++, o++, pa += sa, pb += sb) out[o] = f(a[pa]!, b[pb]!);
  }
}

/** out = c ? x : y over a three-way broadcast walk (Where). Pure data movement: any storage. */
export function select<T>(
  c: Readable<number>,
  x: Readable<T>,
  y: Readable<T>,
  out: Writable<T>,
  w: Walk,
): void {
  if (w.same) {
    for (let i = 0; i < w.size; i++) out[i] = c[i] ? x[i]! : y[i]!;
    return;
  }
  const [rc, rx, ry] = w.rowStart as [Int32Array, Int32Array, Int32Array];
  const [sc, sx, sy] = w.step as [number, number, number];
  const len = w.rowLength;
  for (let r = 0, o = 0; r < w.rows; r++) {
    let pc = rc[r]!;
    let px = rx[r]!;
    let py = ry[r]!;
    for (let j = 0; j < len; j++, o++, pc += sc, px += sx, py += sy) out[o] = c[pc] ? x[px]! : y[py]!;
  }
}
