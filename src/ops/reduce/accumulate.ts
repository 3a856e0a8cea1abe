import { broadcastIndex } from '../support/broadcast.js';
import { reducedShape, reductionBlock } from './geometry.js';

/** The associative step of a reduction; element maps (abs, square, exp) are applied before. */
export type Combine = 'sum' | 'prod' | 'max' | 'min';

export type FloatArray = Float32Array | Float64Array;

export function identityOf(combine: Combine): number {
  switch (combine) {
    case 'sum':
      return 0;
    case 'prod':
      return 1;
    case 'max':
      return -Infinity;
    case 'min':
      return Infinity;
  }
}

/**
 * Reduces `x` (row-major, `shape`) over `axes` into one float64 per kept element. Contiguous axis
 * runs take the [outer, reduced, inner] loops; scattered axes go through an output index map.
 * max/min propagate NaN as numpy does.
 */
export function reduceFloats(
  x: FloatArray,
  shape: readonly number[],
  axes: ReadonlySet<number>,
  combine: Combine,
): Float64Array {
  const block = reductionBlock(shape, axes);
  if (block) {
    const { outer, reduced, inner } = block;
    const acc = new Float64Array(outer * inner).fill(identityOf(combine));
    if (inner === 1) {
      for (let o = 0; o < outer; o++) acc[o] = reduceRow(combine, x, o * reduced, reduced);
    } else {
      for (let o = 0; o < outer; o++) {
        for (let r = 0; r < reduced; r++)
          combineRow(combine, acc, o * inner, x, (o * reduced + r) * inner, inner);
      }
    }
    return acc;
  }
  const keep = reducedShape(shape, axes, true);
  let outSize = 1;
  for (const d of keep) outSize *= d;
  const acc = new Float64Array(outSize).fill(identityOf(combine));
  scatterCombine(combine, acc, x, broadcastIndex(shape, keep));
  return acc;
}

/** One reduced value of a contiguous row x[off .. off+n). */
export function reduceRow(combine: Combine, x: FloatArray, off: number, n: number): number {
  const end = off + n;
  switch (combine) {
    case 'sum': {
      let s = 0;
      for (let i = off; i < end; i++) s += x[i]!;
      return s;
    }
    case 'prod': {
      let p = 1;
      for (let i = off; i < end; i++) p *= x[i]!;
      return p;
    }
    case 'max': {
      let m = -Infinity;
      for (let i = off; i < end; i++) {
        const v = x[i]!;
        if (v > m || v !== v) m = v;
      }
      return m;
    }
    case 'min': {
      let m = Infinity;
      for (let i = off; i < end; i++) {
        const v = x[i]!;
        if (v < m || v !== v) m = v;
      }
      return m;
    }
  }
}

/** acc[accOff + i] ⊕= x[xOff + i] for i < n. */
function combineRow(
  combine: Combine,
  acc: Float64Array,
  accOff: number,
  x: FloatArray,
  xOff: number,
  n: number,
): void {
  switch (combine) {
    case 'sum':
      for (let i = 0; i < n; i++) acc[accOff + i]! += x[xOff + i]!;
      return;
    case 'prod':
      for (let i = 0; i < n; i++) acc[accOff + i]! *= x[xOff + i]!;
      return;
    case 'max':
      for (let i = 0; i < n; i++) {
        const v = x[xOff + i]!;
        if (v > acc[accOff + i]! || v !== v) acc[accOff + i] = v;
      }
      return;
    case 'min':
      for (let i = 0; i < n; i++) {
        const v = x[xOff + i]!;
        if (v < acc[accOff + i]! || v !== v) acc[accOff + i] = v;
      }
      return;
  }
}

function scatterCombine(combine: Combine, acc: Float64Array, x: FloatArray, map: Int32Array): void {
  const n = x.length;
  switch (combine) {
    case 'sum':
      for (let k = 0; k < n; k++) acc[map[k]!]! += x[k]!;
      return;
    case 'prod':
      for (let k = 0; k < n; k++) acc[map[k]!]! *= x[k]!;
      return;
    case 'max':
      for (let k = 0; k < n; k++) {
        const v = x[k]!;
        const o = map[k]!;
        if (v > acc[o]! || v !== v) acc[o] = v;
      }
      return;
    case 'min':
      for (let k = 0; k < n; k++) {
        const v = x[k]!;
        const o = map[k]!;
        if (v < acc[o]! || v !== v) acc[o] = v;
      }
      return;
  }
}

/** 64-bit integer reductions stay in bigint: shape arithmetic multiplies values beyond 2^53. */
export function reduceBigInts(
  x: BigInt64Array | BigUint64Array,
  shape: readonly number[],
  axes: ReadonlySet<number>,
  combine: Combine,
  init: bigint,
): bigint[] {
  const keep = reducedShape(shape, axes, true);
  let outSize = 1;
  for (const d of keep) outSize *= d;
  const acc = new Array<bigint>(outSize).fill(init);
  const map = broadcastIndex(shape, keep);
  for (let k = 0; k < x.length; k++) {
    const o = map[k]!;
    const v = x[k]!;
    const a = acc[o]!;
    if (combine === 'sum') acc[o] = a + v;
    else if (combine === 'prod') acc[o] = a * v;
    else if (combine === 'max') acc[o] = v > a ? v : a;
    else acc[o] = v < a ? v : a;
  }
  return acc;
}
