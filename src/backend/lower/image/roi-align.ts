import { convert, load, select, store, unary } from '../../kernel/build.js';
import type { Expr, Index, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, loop, output, required, suffix } from '../linalg/common.js';
import { levelVar, nest } from '../linalg/nest.js';
import { boundedLoop } from './bounded-loop.js';
import {
  and,
  F,
  f64,
  I,
  i32,
  loadF64,
  locals,
  narrow,
  ops,
  requireFloat,
  var_,
  when,
  type Locals,
} from './ir.js';

/**
 * RoiAlign (avg and max, both coordinate modes, both layouts) with rois read at run time. Per roi
 * and bin the samples are visited in the reference's order and computed with its float64
 * formulas; per sample a channel loop accumulates into a float64 scratch row, so the sample
 * arithmetic is shared by all channels. The adaptive sample grid (sampling_ratio 0) has a
 * data-dependent size: only the samples that can land in the image are visited (a bounded loop
 * from a computed first sample); the others weigh 0 in the reference and are accounted for after
 * the loop, as the reference's 0 * pixel at the channel's offset 0.
 */
interface RoiAttrs {
  readonly coordinate_transformation_mode: string;
  readonly mode: string;
  readonly output_height: number;
  readonly output_width: number;
  readonly sampling_ratio: number;
  readonly spatial_scale: number;
  readonly layout: string;
}

interface Axis {
  /** 'y' or 'x': names this axis's locals. */
  readonly tag: string;
  /** Image extent along the axis. */
  readonly len: number;
  /** Input stride of a step along the axis. */
  readonly stride: number;
  /** The bin loop variable. */
  readonly bin: string | undefined;
}

const CORNERS = ['00', '01', '10', '11'] as const;

function lowerRoiAlign(ctx: LowerContext): Lowered {
  const a = ctx.attrs as unknown as RoiAttrs;
  const [x, rois, batch] = [required(ctx, 0), required(ctx, 1), required(ctx, 2)];
  const out = output(ctx);
  requireFloat(ctx, x, 'X');
  requireFloat(ctx, rois, 'rois');
  const nhwc = a.layout === 'NHWC';
  const [N, C, H, W] = nhwc
    ? [x.shape[0]!, x.shape[3]!, x.shape[1]!, x.shape[2]!]
    : (x.shape as [number, number, number, number]);
  const R = rois.shape[0]!;
  const { output_height: oh, output_width: ow } = a;
  if (R * C * oh * ow === 0) return { kernels: [] };
  if (N * H * W === 0) throw new LoweringUnsupported('RoiAlign of an empty image');
  const p = ctx.fresh('ra');
  const L = locals(p);
  // NCHW: channels in blocks, so the pixels a bin's samples touch in each plane stay in cache
  const block = nhwc ? C : channelBlock(C);
  const [rv, cb, cv] = [`${p}r`, levelVar(`${p}cb`, C / block), levelVar(`${p}c`, block)];
  const channels = (stride: number): [string | undefined, number][] => [
    [cb, block * stride],
    [cv, stride],
  ];
  const acc = ctx.scratch('float64', R * C, 'roialign_acc');
  const ys: Axis = { tag: 'y', len: H, stride: nhwc ? W * C : W, bin: levelVar(`${p}ph`, oh) };
  const xs: Axis = { tag: 'x', len: W, stride: nhwc ? C : 1, bin: levelVar(`${p}pw`, ow) };
  const max = a.mode === 'max';
  const accAt: Index = ix(0, [[rv, C], ...channels(1)]);
  const accValue = loadF64(acc, 'float64', accAt);
  const pixel = (offset: Expr): Expr =>
    loadF64(x.buffer, x.dtype, {
      ...ix(0, channels(nhwc ? 1 : H * W)),
      dynamic: I.add(L.get('base', 'i32'), offset),
    });
  // one sample: the reference's four weighted corners
  const v = CORNERS.map((k) => F.mul(L.get(`w${k}`, 'f64'), pixel(L.get(`o${k}`, 'i32'))));
  const combine = max
    ? F.max(F.max(F.max(v[0]!, v[1]!), v[2]!), v[3]!)
    : F.add(F.add(F.add(v[0]!, v[1]!), v[2]!), v[3]!);
  const sample: Stmt[] = [
    ...CORNERS.map((k) => L.set(`w${k}`, 'f64', F.mul(L.get(`yw${k[0]}`, 'f64'), L.get(`xw${k[1]}`, 'f64')))),
    ...CORNERS.map((k) => L.set(`o${k}`, 'i32', I.add(L.get(`yo${k[0]}`, 'i32'), L.get(`xo${k[1]}`, 'i32')))),
    L.set('seen', 'f64', F.add(L.get('seen', 'f64'), f64(1))),
    ...nest(
      [{ v: cv, extent: block }],
      [store(acc, 'float64', accAt, max ? F.max(accValue, combine) : F.add(accValue, combine))],
    ),
  ];
  const samples = axisSamples(L, a, ys, `${p}iy`, axisSamples(L, a, xs, `${p}ix`, sample));
  const outsideTerm = F.mul(f64(0), pixel(i32(0)));
  const value = L.get('v', 'f64');
  const result = max
    ? select('f64', F.gt(L.get('total', 'f64'), f64(0)), value, f64(0))
    : F.div(value, L.get('count', 'f64'));
  const outAt = nhwc
    ? ix(0, [[rv, oh * ow * C], [ys.bin, ow * C], [xs.bin, C], ...channels(1)])
    : ix(0, [[rv, C * oh * ow], ...channels(oh * ow), [ys.bin, ow], [xs.bin, 1]]);
  const finish = nest(
    [{ v: cv, extent: block }],
    [
      L.set('v', 'f64', accValue),
      when(F.lt(L.get('seen', 'f64'), L.get('total', 'f64')), [
        L.set('v', 'f64', max ? F.max(value, outsideTerm) : F.add(value, outsideTerm)),
      ]),
      store(out.buffer, out.dtype, outAt, narrow(out.dtype, result)),
    ],
  );
  const bin: Stmt[] = [
    ...nest([{ v: cv, extent: block }], [store(acc, 'float64', accAt, f64(max ? -Infinity : 0))]),
    L.set('seen', 'f64', f64(0)),
    ...samples,
    ...finish,
  ];
  const perRoi: Stmt[] = [
    ...roiSetup(L, a, rois, batch, N, nhwc ? H * W * C : C * H * W, rv),
    ...nest(
      [
        { v: cb, extent: C / block },
        { v: ys.bin, extent: oh },
        { v: xs.bin, extent: ow },
      ],
      bin,
    ),
  ];
  const body = [loop(rv, R, perRoi, { parallel: true })];
  return { kernels: [kernel(ctx, `roialign_${a.mode}_${suffix(x.dtype)}`, body)] };
}

/** The largest divisor of C up to 32: the channels a bin's sample loop covers at once. */
function channelBlock(C: number): number {
  for (let b = Math.min(C, 32); b > 1; b--) if (C % b === 0) return b;
  return 1;
}

/** Per roi: its image's offset, box start, bin sizes and sample grid, as the reference's binPlan. */
function roiSetup(
  L: Locals,
  a: RoiAttrs,
  rois: LoweredValue,
  batch: LoweredValue,
  N: number,
  imageStride: number,
  rv: string,
): Stmt[] {
  const halfPixel = a.coordinate_transformation_mode === 'half_pixel';
  const shift = halfPixel ? 0.5 : 0;
  const box = (k: number) =>
    F.sub(F.mul(loadF64(rois.buffer, rois.dtype, ix(k, [[rv, 4]])), f64(a.spatial_scale)), f64(shift));
  const bt = batch.dtype === 'int64' || batch.dtype === 'uint64' ? 'i64' : 'i32';
  const B = ops(bt);
  // an out-of-range batch index is an error in the reference; clamped here to stay in memory
  const index = load(batch.buffer, batch.dtype, ix(0, [[rv, 1]]));
  const clamped = B.max(B.min(index, B.c(bt === 'i64' ? BigInt(N - 1) : N - 1)), B.c(bt === 'i64' ? 0n : 0));
  const stmts: Stmt[] = [
    L.set('b', 'i32', convert(bt, 'i32', clamped)),
    L.set('base', 'i32', I.mul(L.get('b', 'i32'), i32(imageStride))),
  ];
  const extent = (tag: string, lo: number, hi: number, bins: number) => {
    const roi = L.get(`${tag}roi`, 'f64');
    stmts.push(
      L.set(`${tag}start`, 'f64', box(lo)),
      L.set(`${tag}roi`, 'f64', F.sub(box(hi), L.get(`${tag}start`, 'f64'))),
      // the legacy mode forces malformed rois to 1x1
      ...(halfPixel ? [] : [L.set(`${tag}roi`, 'f64', F.max(roi, f64(1)))]),
      L.set(`${tag}bin`, 'f64', F.div(roi, f64(bins))),
      L.set(
        `${tag}grid`,
        'f64',
        a.sampling_ratio > 0
          ? f64(a.sampling_ratio)
          : F.max(unary('ceil', 'f64', F.div(roi, f64(bins))), f64(0)),
      ),
    );
  };
  extent('y', 1, 3, a.output_height);
  extent('x', 0, 2, a.output_width);
  stmts.push(
    L.set('total', 'f64', F.mul(L.get('ygrid', 'f64'), L.get('xgrid', 'f64'))),
    L.set('count', 'f64', F.max(L.get('total', 'f64'), f64(1))),
  );
  return stmts;
}

/**
 * The samples of one bin along one axis, in order: position, the inside test, the clamped low and
 * high corner offsets (`${tag}o0`, `${tag}o1`) and weights (`${tag}w0` = 1 - frac, `${tag}w1` =
 * frac). `inner` runs for every sample that lands in [-1, len].
 */
function axisSamples(L: Locals, a: RoiAttrs, ax: Axis, v: string, inner: Stmt[]): Stmt[] {
  const { tag, len } = ax;
  const binSize = L.get(`${tag}bin`, 'f64');
  const grid = L.get(`${tag}grid`, 'f64');
  const pos = L.get(`${tag}s`, 'f64');
  const c = L.get(`${tag}c`, 'f64');
  const c0 = L.get(`${tag}f`, 'f64');
  const edge = L.get(`${tag}e`, 'i32');
  const lowOffset = L.get(`${tag}o0`, 'i32');
  const frac = L.get(`${tag}w1`, 'f64');
  const binStart = F.add(
    L.get(`${tag}start`, 'f64'),
    ax.bin ? F.mul(convert('i32', 'f64', var_(ax.bin)), binSize) : f64(0),
  );
  const body = (i: Expr): Stmt[] => [
    L.set(`${tag}s`, 'f64', F.add(binStart, F.div(F.mul(F.add(i, f64(0.5)), binSize), grid))),
    when(and(F.ge(pos, f64(-1)), F.le(pos, f64(len))), [
      L.set(`${tag}c`, 'f64', F.max(pos, f64(0))),
      L.set(`${tag}f`, 'f64', unary('trunc', 'f64', c)),
      // from the last row/column on, both corners are that one and the fraction is 0
      L.set(`${tag}e`, 'i32', F.ge(c0, f64(len - 1))),
      L.set(`${tag}f`, 'f64', select('f64', edge, f64(len - 1), c0)),
      L.set(`${tag}c`, 'f64', select('f64', edge, f64(len - 1), c)),
      L.set(`${tag}o0`, 'i32', I.mul(convert('f64', 'i32', c0), i32(ax.stride))),
      L.set(`${tag}o1`, 'i32', I.add(lowOffset, select('i32', edge, i32(0), i32(ax.stride)))),
      L.set(`${tag}w1`, 'f64', F.sub(c, c0)),
      L.set(`${tag}w0`, 'f64', F.sub(f64(1), frac)),
      ...inner,
    ]),
  ];
  if (a.sampling_ratio > 0) return [loop(v, a.sampling_ratio, body(convert('i32', 'f64', var_(v))))];
  // adaptive grid = ceil(bin size): samples are more than 1/2 apart, so at most 2 len + 6 of them
  // land in [-1, len]; the first is found by division, with a margin of one sample each side
  const step = F.div(binSize, grid);
  const from = (edgePos: number) => F.sub(F.div(F.sub(f64(edgePos), binStart), step), f64(0.5));
  const clampGrid = (e: Expr) => F.min(F.max(e, f64(0)), grid);
  const first = L.get(`${tag}lo`, 'f64');
  const maxCount = 2 * len + 8;
  const span = F.sub(clampGrid(F.add(unary('ceil', 'f64', from(len)), f64(2))), first);
  return [
    L.set(`${tag}lo`, 'f64', clampGrid(F.sub(unary('floor', 'f64', from(-1)), f64(1)))),
    L.set(
      `${tag}k`,
      'i32',
      convert(
        'f64',
        'i32',
        select('f64', F.gt(grid, f64(0)), F.min(F.max(span, f64(0)), f64(maxCount)), f64(0)),
      ),
    ),
    ...boundedLoop(v, maxCount, L.get(`${tag}k`, 'i32'), (i) => body(F.add(first, convert('i32', 'f64', i)))),
  ];
}

registerLowerings({ RoiAlign: lowerRoiAlign });
