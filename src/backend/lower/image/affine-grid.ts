import { sizeOf, toNumbers } from '../../../ir/tensor.js';
import { convert, store } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, output, required, suffix } from '../linalg/common.js';
import { levelVar, nest } from '../linalg/nest.js';
import { F, f64, loadF64, narrow, requireFloat, var_ } from './ir.js';

/**
 * AffineGrid with a constant size: grid[n, (d,) h, w, k] = sum_j theta[n, k, j] * base_j, the
 * base coordinates (x from w, y from h, z from d, then 1) computed from the loop indices with the
 * reference's float64 formulas and summation order.
 */
function lowerAffineGrid(ctx: LowerContext): Lowered {
  const theta = required(ctx, 0);
  const size = required(ctx, 1);
  const y = output(ctx);
  requireFloat(ctx, theta, 'theta');
  if (!size.constant) throw new LoweringUnsupported('AffineGrid size must be a compile-time constant');
  const dims = toNumbers(size.constant);
  const spatial = dims.slice(2);
  const r = spatial.length;
  const n = dims[0]!;
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  const align = ctx.attrs.align_corners !== 0;
  const p = ctx.fresh('ag');
  const nv = levelVar(`${p}n`, n);
  const sv = spatial.map((len, d) => levelVar(`${p}s${d}`, len));
  // component k follows spatial dim r - 1 - k
  const base = (k: number): Expr => {
    const len = spatial[r - 1 - k]!;
    const v = sv[r - 1 - k];
    if (len <= 1 || v === undefined) return f64(0);
    const i = convert('i32', 'f64', var_(v));
    if (align) return F.add(f64(-1), F.div(F.mul(i, f64(2)), f64(len - 1)));
    const step = 2 / len;
    return F.add(f64(-1 + step / 2), F.mul(i, f64(step)));
  };
  const points = sizeOf(spatial);
  const pointStrides = spatial.map((_, d) => sizeOf(spatial.slice(d + 1)) * r);
  const stores = Array.from({ length: r }, (_, k) => {
    let acc: Expr = f64(0);
    for (let j = 0; j <= r; j++) {
      const t = loadF64(theta.buffer, theta.dtype, ix(k * (r + 1) + j, [[nv, r * (r + 1)]]));
      acc = F.add(acc, j < r ? F.mul(t, base(j)) : F.mul(t, f64(1)));
    }
    const at = ix(k, [[nv, points * r], ...sv.map((v, d) => [v, pointStrides[d]!] as const)]);
    return store(y.buffer, y.dtype, at, narrow(y.dtype, acc));
  });
  const levels = [{ v: nv, extent: n }, ...spatial.map((len, d) => ({ v: sv[d], extent: len }))];
  return { kernels: [kernel(ctx, `affinegrid_${r}d_${suffix(theta.dtype)}`, nest(levels, stores, true))] };
}

registerLowerings({ AffineGrid: lowerAffineGrid });
