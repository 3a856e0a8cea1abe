import type { Nest } from './nest.js';

/**
 * Cache blocking for copies that transpose: when the innermost loop writes contiguously but reads
 * with a large stride, every read touches a new cache line, and a line is only reused once the loop
 * over the input's contiguous dim comes back to it. Tiling both dims by TILE keeps a tile's lines of
 * either side resident (the reference's blocked 2-D transpose, here as loop nests). Remainders that
 * do not fill a tile stay plain nests.
 */

const TILE = 16;
/** Below this a whole sweep of the inner dim fits in L1 anyway. */
const MIN_EXTENT = 64;

function sub(n: Nest, d: number, from: number, extent: number): Nest {
  return {
    extents: n.extents.map((e, i) => (i === d ? extent : e)),
    accesses: n.accesses.map((a) => ({ offset: a.offset + from * a.strides[d]!, strides: a.strides })),
  };
}

/** A normalized (dst, src) copy nest as one or more nests, the bulk tiled when it transposes. */
export function tileCopy(n: Nest): Nest[] {
  const last = n.extents.length - 1;
  if (last < 1) return [n];
  const [dst, src] = n.accesses as [Nest['accesses'][0], Nest['accesses'][0]];
  const inner = Math.abs(src.strides[last]!);
  if (dst.strides[last] !== 1 || inner <= 1) return [n];
  const q = src.strides.findIndex((s, d) => d !== last && s === 1);
  if (q < 0 || n.extents[q]! < MIN_EXTENT || n.extents[last]! < MIN_EXTENT) return [n];
  const [eq, el] = [n.extents[q]!, n.extents[last]!];
  const [mq, ml] = [eq - (eq % TILE), el - (el % TILE)];
  // loops: the other dims as they were, then tile rows and columns, then within a tile
  const loops = [
    ...n.extents.flatMap((_, d) => (d === q || d === last ? [] : [{ d, extent: n.extents[d]!, scale: 1 }])),
    { d: q, extent: mq / TILE, scale: TILE },
    { d: last, extent: ml / TILE, scale: TILE },
    { d: q, extent: TILE, scale: 1 },
    { d: last, extent: TILE, scale: 1 },
  ];
  const tiled: Nest = {
    extents: loops.map((l) => l.extent),
    accesses: n.accesses.map((a) => ({
      offset: a.offset,
      strides: loops.map((l) => a.strides[l.d]! * l.scale),
    })),
  };
  const rest: Nest[] = [];
  if (el > ml) rest.push(sub(sub(n, q, 0, mq), last, ml, el - ml));
  if (eq > mq) rest.push(sub(n, q, mq, eq - mq));
  return [tiled, ...rest];
}
