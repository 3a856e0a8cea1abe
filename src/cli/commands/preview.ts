import { toFloat32, type Tensor } from '../../ir/tensor.js';

/** The first values of a tensor, and its argmax when longer (the top-1 of a classifier). */
export function preview(t: Tensor): string {
  const v = toFloat32(t);
  const head = Array.from(v.subarray(0, 5), (x) => Number(x.toPrecision(5)));
  if (v.length <= 5) return `[${head.join(', ')}]`;
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return `[${head.join(', ')}, ...] argmax ${best}`;
}
