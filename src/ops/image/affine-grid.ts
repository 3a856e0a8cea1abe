import { freshDim, type Dim } from '../../ir/shape.js';
import { toNumbers } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';

/**
 * AffineGrid (opset 20): the sampling grid of an affine transform for GridSample. theta is
 * [N, 2, 3] (2-D) or [N, 3, 4] (3-D); size is (N, C, H, W) or (N, C, D, H, W); the grid is
 * [N, H, W, 2] or [N, D, H, W, 3] with x (the W coordinate) first.
 */
const attrs = { align_corners: attr.int(0) };

/**
 * Normalized coordinate of pixel i of a dim of length len: pixel centres spread over [-1, 1]
 * with align_corners, pixel edges at -1 and 1 without. A dim of length 1 sits at 0 as in PyTorch
 * (the linspace of one point).
 */
function baseCoordinate(i: number, len: number, align: boolean): number {
  if (len <= 1) return 0;
  if (align) return -1 + (i * 2) / (len - 1);
  const step = 2 / len;
  return -1 + step / 2 + i * step;
}

export const affineGridOp = defineOp({
  type: 'AffineGrid',
  attrs,
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const theta = input(ctx, 0);
    const sizeType = input(ctx, 1);
    if (rankOf(theta, 'theta') !== 3) throw new OpError('AffineGrid theta must be [N, 2, 3] or [N, 3, 4]');
    const size = ctx.constants[1];
    const rank = size ? size.data.length : sizeType.shape?.[0];
    if (rank !== 4 && rank !== 5) {
      if (typeof rank === 'number')
        throw new OpError(`AffineGrid size must have 4 or 5 entries, found ${rank}`);
      throw new OpError('AffineGrid size must have a known length');
    }
    const spatial: Dim[] = size
      ? toNumbers(size).slice(2)
      : Array.from({ length: rank - 2 }, () => freshDim('grid'));
    const n: Dim = size ? toNumbers(size)[0]! : theta.shape![0]!;
    return [{ dtype: theta.dtype, shape: [n, ...spatial, rank - 2] }];
  },
  reference([theta, size], a) {
    if (!theta || !size) throw new OpError('AffineGrid needs theta and size');
    const dims = toNumbers(size);
    const r = dims.length - 2;
    if (r !== 2 && r !== 3)
      throw new OpError(`AffineGrid size must have 4 or 5 entries, found ${dims.length}`);
    const [n] = dims as [number];
    if (
      theta.shape.length !== 3 ||
      theta.shape[0] !== n ||
      theta.shape[1] !== r ||
      theta.shape[2] !== r + 1
    ) {
      throw new OpError(`theta [${theta.shape}] does not fit size [${dims}]`);
    }
    const spatial = dims.slice(2);
    const align = a.align_corners !== 0;
    // per output component k (x, y, z): the base coordinate along the dim it follows
    const axes = Array.from({ length: r }, (_, k) => {
      const len = spatial[r - 1 - k]!;
      return Float64Array.from({ length: len }, (_, i) => baseCoordinate(i, len, align));
    });
    const t = decodeFloats(theta);
    const points = spatial.reduce((p, d) => p * d, 1);
    const out = new Float64Array(n * points * r);
    const idx = new Array<number>(r).fill(0);
    const base = new Float64Array(r + 1);
    base[r] = 1;
    for (let b = 0, o = 0; b < n; b++) {
      idx.fill(0);
      for (let p = 0; p < points; p++) {
        // idx walks the spatial dims in order (D,) H, W; component k reads dim r - 1 - k
        for (let k = 0; k < r; k++) base[k] = axes[k]![idx[r - 1 - k]!]!;
        for (let k = 0; k < r; k++) {
          const row = (b * r + k) * (r + 1);
          let acc = 0;
          for (let j = 0; j <= r; j++) acc += t[row + j]! * base[j]!;
          out[o++] = acc;
        }
        for (let d = r - 1; d >= 0; d--) {
          if (++idx[d]! < spatial[d]!) break;
          idx[d] = 0;
        }
      }
    }
    return [encodeFloats(theta.dtype, [n, ...spatial, r], out)];
  },
});
