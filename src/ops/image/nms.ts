import { toNumbers } from '../../ir/tensor.js';
import { freshDim } from '../../ir/shape.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { input } from '../support/infer.js';

/**
 * NonMaxSuppression: per batch and class, boxes in descending score order (ties keep the lower
 * index first), those above score_threshold, each kept unless its IoU with a kept box exceeds
 * iou_threshold, at most max_output_boxes_per_class of them. Output rows are (batch, class, box),
 * batch-major, then class, then selection order. How many there are depends on the data, so it is
 * a host op: compiled models run it on the fallback side.
 */
export const nonMaxSuppressionOp = defineOp({
  type: 'NonMaxSuppression',
  attrs: { center_point_box: attr.int(0) },
  arity: { inputs: [2, 5], outputs: [1, 1] },
  infer(ctx) {
    input(ctx, 0);
    input(ctx, 1);
    return [{ dtype: 'int64', shape: [freshDim('selected'), 3] }];
  },
  reference([boxes, scores, maxOut, iouIn, scoreIn], { center_point_box: center }) {
    if (!boxes || !scores) throw new OpError('NonMaxSuppression needs boxes and scores');
    if (boxes.shape.length !== 3 || boxes.shape[2] !== 4)
      throw new OpError(`NonMaxSuppression boxes must be [batch, boxes, 4], got [${boxes.shape}]`);
    const [batches, count] = [boxes.shape[0]!, boxes.shape[1]!];
    if (scores.shape.length !== 3 || scores.shape[0] !== batches || scores.shape[2] !== count)
      throw new OpError(
        `NonMaxSuppression scores must be [${batches}, classes, ${count}], got [${scores.shape}]`,
      );
    const classes = scores.shape[1]!;
    const scalar = (t: typeof maxOut, dflt: number): number => (t && t.data.length ? toNumbers(t)[0]! : dflt);
    // an absent or zero maximum selects nothing, as the operator defines
    const limit = scalar(maxOut, 0);
    const iouThreshold = scalar(iouIn, 0);
    const scoreThreshold = scoreIn && scoreIn.data.length ? toNumbers(scoreIn)[0]! : -Infinity;
    const b = toNumbers(boxes);
    const s = toNumbers(scores);
    const selected: number[] = [];
    for (let n = 0; n < batches; n++) {
      const corners = (i: number): [number, number, number, number] => {
        const o = (n * count + i) * 4;
        const [p, q, r, t] = [b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!];
        // center_point_box 1: [x_center, y_center, width, height]; 0: two corners in either order
        if (center) return [q - t / 2, p - r / 2, q + t / 2, p + r / 2];
        return [Math.min(p, r), Math.min(q, t), Math.max(p, r), Math.max(q, t)];
      };
      for (let c = 0; c < classes; c++) {
        const base = (n * classes + c) * count;
        const order = Array.from({ length: count }, (_, i) => i)
          .filter((i) => s[base + i]! > scoreThreshold)
          .sort((i, j) => s[base + j]! - s[base + i]! || i - j);
        const kept: number[] = [];
        for (const i of order) {
          if (kept.length >= limit) break;
          const a = corners(i);
          if (kept.every((k) => iou(a, corners(k)) <= iouThreshold)) kept.push(i);
        }
        for (const i of kept) selected.push(n, c, i);
      }
    }
    return [{ dtype: 'int64', shape: [selected.length / 3, 3], data: BigInt64Array.from(selected, BigInt) }];
  },
});

function iou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}
