import { binaryen, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { loadLanes, type Address } from './memory-access.js';

/**
 * Four 32-bit elements `stride` elements apart. Strides 2 and 3 (strided convolutions and pools)
 * take two vector loads and one shuffle, which engines lower to a single two-source lane select
 * (x64 `shufps`); neither load reaches past the fourth element or before the first. Other strides
 * gather lane by lane.
 */
export function loadStrided(ctx: KernelContext, a: Address, stride: number): Ref {
  if (stride !== 2 && stride !== 3) return loadLanes(ctx, a, 4 * stride);
  const m = ctx.m;
  const p = ctx.temp(binaryen.i32);
  // the second load starts at element 3 (stride 2: elements 3..6) or 6 (stride 3: 6..9)
  const second = stride === 2 ? 3 : 6;
  // lanes of the concatenation (first 0..3, second 4..7) that hold elements 0, s, 2s, 3s
  const lanes = stride === 2 ? [0, 2, 5, 7] : [0, 3, 4, 7];
  const first = m.v128.load(a.offset, 4, p.get());
  const next = m.v128.load(a.offset + 4 * second, 4, p.get());
  const bytes = lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  return m.block(null, [p.set(a.ptr), m.i8x16.shuffle(first, next, bytes)], binaryen.v128);
}
