import { OpError } from '../op.js';

/** ONNX axes may be negative (counted from the end). */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank || !Number.isInteger(a))
    throw new OpError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function normalizeAxes(axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank));
  if (new Set(out).size !== out.length) throw new OpError(`axes [${axes}] repeat an axis`);
  return out;
}
