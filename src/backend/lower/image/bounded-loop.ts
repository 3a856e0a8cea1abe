import type { Expr, Stmt } from '../../kernel/ir.js';
import { loop } from '../linalg/common.js';
import { I, i32, var_, when } from './ir.js';

/**
 * A loop of a run-time trip count `count` (i32, at most `max`), which the kernel IR's constant
 * extents cannot say directly: blocks of about sqrt(max) iterations, each entered only while it
 * starts below `count`, so a short loop costs about 2 sqrt(max) guard tests rather than `max`.
 * `body` gets the iteration number (i32).
 */
export function boundedLoop(v: string, max: number, count: Expr, body: (i: Expr) => Stmt[]): Stmt[] {
  if (max <= 0) return [];
  const block = Math.ceil(Math.sqrt(max));
  const blocks = Math.ceil(max / block);
  const [vb, vi] = [`${v}b`, `${v}i`];
  const start = I.mul(var_(vb), i32(block));
  const i = I.add(start, var_(vi));
  return [loop(vb, blocks, [when(I.lt(start, count), [loop(vi, block, [when(I.lt(i, count), body(i))])])])];
}
