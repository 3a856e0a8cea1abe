import { sizeOf, stridesOf } from '../../../ir/tensor.js';
import type { SampleOptions } from '../../../ops/image/grid-sample-taps.js';
import { computeType, load, select, store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, output, required, suffix } from '../linalg/common.js';
import { levelVar, nest } from '../linalg/nest.js';
import { dimTaps, type Tap } from './grid-taps.js';
import { and, encodeNumber, F, f64, I, i32, loadNumber, locals, requireFloat } from './ir.js';

/**
 * GridSample, any number of spatial dims, every mode, padding mode and layout. Per output point
 * the taps of each dim are computed once (grid-taps.ts), multiplied out into the N-D taps (offset,
 * float64 weight, validity), then a channel loop sums weight * pixel in float64 in the
 * reference's tap order, so results match it to the last bit. Zero-padded taps are skipped, not
 * weighted by 0, so an inf or NaN pixel next to the border does not leak in. Integer and bool
 * images are sampled as the reference does (float32 result, then a typed-array store). The price
 * of exactness is scalar float64 arithmetic: the renderer has no f64 lanes (a float32 variant
 * with a vectorized NHWC channel loop would be the faster v2).
 */
interface GridAttrs {
  readonly align_corners: number;
  readonly mode: SampleOptions['mode'];
  readonly padding_mode: SampleOptions['padding'];
  readonly layout: string;
}

function lowerGridSample(ctx: LowerContext): Lowered {
  const a = ctx.attrs as unknown as GridAttrs;
  const [x, grid] = [required(ctx, 0), required(ctx, 1)];
  const y = output(ctx);
  requireFloat(ctx, grid, 'grid');
  const rank = x.shape.length;
  const nhwc = a.layout === 'NHWC';
  const [N, C] = [x.shape[0]!, nhwc ? x.shape[rank - 1]! : x.shape[1]!];
  const inDims = nhwc ? x.shape.slice(1, rank - 1) : x.shape.slice(2);
  const outDims = grid.shape.slice(1, rank - 1);
  const r = inDims.length;
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  if (inDims.includes(0)) throw new LoweringUnsupported('GridSample of an empty image');
  const o: SampleOptions = { mode: a.mode, padding: a.padding_mode, alignCorners: a.align_corners !== 0 };
  const inSpatial = sizeOf(inDims);
  const outSpatial = sizeOf(outDims);
  const spatialStrides = stridesOf(inDims).map((s) => (nhwc ? s * C : s));
  const channelStride = nhwc ? 1 : inSpatial;
  const p = ctx.fresh('gs');
  const [nv, pv, cv] = [levelVar(`${p}n`, N), levelVar(`${p}p`, outSpatial), levelVar(`${p}c`, C)];
  const gType = computeType(grid.dtype);
  const stmts: Stmt[] = [];
  const perDim = inDims.map((len, d) => {
    const g = load(
      grid.buffer,
      grid.dtype,
      ix(r - 1 - d, [
        [nv, outSpatial * r],
        [pv, r],
      ]),
    );
    const taps = dimTaps(o, g, gType, len, `${p}d${d}`);
    stmts.push(...taps.stmts);
    return taps.taps;
  });
  const combined = product(perDim, spatialStrides, `${p}k`, stmts);
  const L = locals(p);
  const acc = L.get('acc', 'f64');
  const sum: Stmt[] = [L.set('acc', 'f64', f64(0))];
  for (const t of combined) {
    const pixel = loadNumber(x.buffer, x.dtype, {
      ...ix(0, [
        [nv, inSpatial * C],
        [cv, channelStride],
      ]),
      dynamic: t.index,
    });
    const term = F.mul(t.weight, pixel);
    sum.push(L.set('acc', 'f64', F.add(acc, t.valid ? select('f64', t.valid, term, f64(0)) : term)));
  }
  const outIx = nhwc
    ? ix(0, [
        [nv, outSpatial * C],
        [pv, C],
        [cv, 1],
      ])
    : ix(0, [
        [nv, C * outSpatial],
        [cv, outSpatial],
        [pv, 1],
      ]);
  sum.push(store(y.buffer, y.dtype, outIx, encodeNumber(y.dtype, acc)));
  const channels = nest([{ v: cv, extent: C }], sum);
  const body = nest(
    [
      { v: nv, extent: N },
      { v: pv, extent: outSpatial },
    ],
    [...stmts, ...channels],
    true,
  );
  return { kernels: [kernel(ctx, `gridsample_${r}d_${a.mode}_${a.padding_mode}_${suffix(x.dtype)}`, body)] };
}

/**
 * The N-D taps: the product of the per-dim taps, dim 0 outermost as the reference multiplies
 * them out, weights multiplied left to right in f64.
 */
function product(perDim: readonly Tap[][], strides: readonly number[], prefix: string, stmts: Stmt[]): Tap[] {
  const L = locals(prefix);
  let combos: { index: Expr; weight: Expr; valid: Expr | undefined }[] = [
    { index: i32(0), weight: f64(1), valid: undefined },
  ];
  perDim.forEach((taps, d) => {
    const next: typeof combos = [];
    for (const c of combos) {
      for (const t of taps) {
        const at = I.mul(t.index, i32(strides[d]!));
        next.push({
          index: d === 0 ? at : I.add(c.index, at),
          weight: d === 0 ? t.weight : F.mul(c.weight, t.weight),
          valid: c.valid && t.valid ? and(c.valid, t.valid) : (c.valid ?? t.valid),
        });
      }
    }
    combos = next;
  });
  return combos.map((c, k) => {
    stmts.push(L.set(`o${k}`, 'i32', c.index), L.set(`w${k}`, 'f64', c.weight));
    if (c.valid) stmts.push(L.set(`v${k}`, 'i32', c.valid));
    return {
      index: L.get(`o${k}`, 'i32'),
      weight: L.get(`w${k}`, 'f64'),
      ...(c.valid ? { valid: L.get(`v${k}`, 'i32') } : {}),
    };
  });
}

registerLowerings({ GridSample: lowerGridSample });
