import { sizeOf, toNumbers } from '../../../ir/tensor.js';
import { shapeFirst, shapeLast, type Layout } from '../../../ops/linalg/layout.js';
import { resolveWindow, windowParams } from '../../../ops/linalg/window.js';
import { binary, compare, constant, convert, load, store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { f32Input, f32Output, isFloatType, ix, kernel, output, required, suffix } from './common.js';
import { initOutput, scatterTaps, type TPlan } from './conv-transpose.js';
import type { Triple } from './geometry.js';
import { levelVar, nest, zeroFill } from './nest.js';

/**
 * Col2Im (the scatter-add half of ConvTranspose: column rows (c, tap) over block positions, added
 * into the image tap by tap over compile-time in-bounds ranges) and MaxUnpool (a data-dependent
 * scatter of X through its indices into a zeroed output).
 */
interface Col2ImAttrs {
  readonly dilations: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
}

function lowerCol2Im(ctx: LowerContext): Lowered {
  const a = ctx.attrs as unknown as Col2ImAttrs;
  const x = required(ctx, 0);
  const imageT = required(ctx, 1).constant;
  const blockT = required(ctx, 2).constant;
  const y = output(ctx);
  if (!imageT || !blockT) throw new LoweringUnsupported('Col2Im with runtime image_shape or block_shape');
  if (!isFloatType(y.dtype)) throw new LoweringUnsupported(`Col2Im of ${y.dtype}`);
  const image = toNumbers(imageT);
  const block = toNumbers(blockT);
  const r = image.length;
  if (r < 1 || r > 3) throw new LoweringUnsupported(`Col2Im with ${r} spatial axes`);
  const w = resolveWindow(image, block, { auto_pad: 'NOTSET', ...a });
  const lead = (xs: readonly number[], v: number): Triple =>
    [...new Array<number>(3 - r).fill(v), ...xs] as unknown as Triple;
  const [N, CK, L] = x.shape as [number, number, number];
  const kv = sizeOf(block);
  const C = CK / kv;
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  const p: TPlan = {
    g: {
      rank: r,
      input: lead(w.output, 1),
      output: lead(image, 1),
      kernel: lead(block, 1),
      strides: lead(w.strides, 1),
      dilations: lead(w.dilations, 1),
      padBegin: lead(w.padBegin, 0),
      padEnd: [0, 0, 0],
    },
    layout: 'NCHW',
    N,
    C: CK,
    M: C,
    G: 1,
    Cg: CK,
    Mg: C,
    stem: `col2im${r}d`,
  };
  // halves accumulate in float32 and round once, like the reference
  const wide = y.dtype === 'float64' ? undefined : f32Input(ctx, x, 'col2im_x');
  const out = y.dtype === 'float64' ? undefined : f32Output(ctx, y, 'col2im_y');
  const src = wide
    ? { buffer: wide.buffer, dtype: 'float32' as const }
    : { buffer: x.buffer, dtype: x.dtype };
  const dst = out ? { buffer: out.buffer, dtype: 'float32' as const } : { buffer: y.buffer, dtype: y.dtype };
  const f = ctx.fresh('c2i');
  const [n, c] = [levelVar(`${f}n`, N), levelVar(`${f}c`, C)];
  const plane = sizeOf(image);
  const body = scatterTaps(
    p,
    f,
    p.g.input.map((d) => [0, d] as [number, number]),
    dst,
    ix(0, [
      [n, C * plane],
      [c, plane],
    ]),
    (tap, vars, starts) => {
      const pos = (starts[0]! * p.g.input[1] + starts[1]!) * p.g.input[2] + starts[2]!;
      const terms: [string | undefined, number][] = [
        [n, CK * L],
        [c, kv * L],
        [vars[0], p.g.input[1] * p.g.input[2]],
        [vars[1], p.g.input[2]],
        [vars[2], 1],
      ];
      return load(src.buffer, src.dtype, ix(tap * L + pos, terms));
    },
  );
  const scatter = kernel(
    ctx,
    `col2im${r}d_${suffix(y.dtype)}`,
    nest(
      [
        { v: n, extent: N },
        { v: c, extent: C },
      ],
      body,
      true,
    ),
  );
  return {
    kernels: [...(wide?.pre ?? []), initOutput(ctx, p, dst, undefined), scatter, ...(out?.post ?? [])],
  };
}

interface UnpoolAttrs {
  readonly kernel_shape: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
  readonly layout: Layout;
}

/** The shape MaxUnpool's indices address: the input a MaxPool of this geometry would have read. */
function naturalShape(xShape: readonly number[], a: UnpoolAttrs): number[] {
  const kernel = a.kernel_shape!;
  const p = windowParams(kernel, {
    auto_pad: 'NOTSET',
    dilations: undefined,
    pads: a.pads,
    strides: a.strides,
  });
  const xs = shapeFirst(xShape, a.layout) as number[];
  const r = kernel.length;
  const spatial = xs
    .slice(2)
    .map((n, i) => (n - 1) * p.strides[i]! + kernel[i]! - p.pads[i]! - p.pads[i + r]!);
  return shapeLast([xs[0]!, xs[1]!, ...spatial], a.layout) as number[];
}

/**
 * Y = 0, then Y[remap(I[i])] = X[i] in order (a repeated index keeps the last value, as the
 * reference). An index outside Y is skipped rather than trapping; the loop stays sequential.
 */
function lowerMaxUnpool(ctx: LowerContext): Lowered {
  const a = ctx.attrs as unknown as UnpoolAttrs;
  const x = required(ctx, 0);
  const ind = required(ctx, 1);
  const y = output(ctx);
  if (!a.kernel_shape) throw new LoweringUnsupported('MaxUnpool without kernel_shape');
  const natural = naturalShape(x.shape, a);
  const total = sizeOf(y.shape);
  const n = sizeOf(x.shape);
  const f = ctx.fresh('unpool');
  const i = levelVar(`${f}i`, n);
  const raw = load(ind.buffer, ind.dtype, ix(0, [[i, 1]]));
  const at = `${f}at`;
  const atL: Expr = { op: 'local', name: at, type: 'i32' };
  // indices address the natural shape; a larger output_shape keeps their coordinates
  let flat: Expr = convert('i64', 'i32', raw);
  const same = natural.every((d, k) => d === y.shape[k]);
  if (!same) flat = remap(flat, natural, y.shape as number[]);
  const inRange = binary(
    'and',
    'i32',
    compare('ge', 'i32', atL, constant('i32', 0)),
    compare('lt', 'i32', atL, constant('i32', total)),
  );
  const body: Stmt[] = [
    { op: 'set', name: at, type: 'i32', value: flat },
    {
      op: 'if',
      cond: inRange,
      then: [
        store(
          y.buffer,
          y.dtype,
          { terms: [], offset: 0, dynamic: atL },
          load(x.buffer, x.dtype, ix(0, [[i, 1]])),
        ),
      ],
      else: [],
    },
  ];
  const zero = zeroFill(y.buffer, y.dtype, 0, total, `${f}z`);
  return {
    kernels: [kernel(ctx, `max_unpool_${suffix(y.dtype)}`, [...zero, ...nest([{ v: i, extent: n }], body)])],
  };
}

/** The flat index of the same coordinates in `to` (-1 when a coordinate does not fit). */
function remap(flat: Expr, from: readonly number[], to: readonly number[]): Expr {
  let out: Expr = constant('i32', 0);
  let scale = 1;
  let rest = flat;
  let fits: Expr = compare('ge', 'i32', flat, constant('i32', 0));
  for (let k = from.length - 1; k >= 0; k--) {
    const c = binary('rem', 'i32', rest, constant('i32', from[k]!));
    rest = binary('div', 'i32', rest, constant('i32', from[k]!));
    fits = binary('and', 'i32', fits, compare('lt', 'i32', c, constant('i32', to[k]!)));
    out = binary('add', 'i32', out, binary('mul', 'i32', c, constant('i32', scale)));
    scale *= to[k]!;
  }
  fits = binary('and', 'i32', fits, compare('eq', 'i32', rest, constant('i32', 0)));
  return { op: 'select', type: 'i32', cond: fits, a: out, b: constant('i32', -1) };
}

registerLowerings({ Col2Im: lowerCol2Im, MaxUnpool: lowerMaxUnpool });
