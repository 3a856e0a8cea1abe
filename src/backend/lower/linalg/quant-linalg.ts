import { sizeOf, stridesOf, type Tensor } from '../../../ir/tensor.js';
import { broadcastIndex } from '../../../ops/support/broadcast.js';
import { binary, convert, store } from '../../kernel/build.js';
import type { Expr, Kernel } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, output, required, suffix } from './common.js';
import { convDepthwise } from './conv-depthwise.js';
import { convDirect } from './conv-direct.js';
import { planConv, type ConvPlan } from './conv-plan.js';
import { tapMajor } from './conv.js';
import { matmulLoops } from './matmul.js';
import { levelVar, nest } from './nest.js';
import { saturate, widen } from './quant.js';

/**
 * MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv: zero points are subtracted once (at
 * compile time for constant operands, else by a kernel into int32 scratch), the product runs in
 * exact int32 arithmetic (the matmul and conv loop nests), and the QLinear ops requantize with
 * the multiplier f32(f32(sa * sb) / sy) applied in float64, as the reference does.
 */

/** Per output dim, the stride of a right-aligned broadcast input (0 where it broadcasts). */
function bcastStrides(out: readonly number[], shape: readonly number[]): number[] {
  const s = stridesOf(shape);
  return out.map((d, k) => {
    const i = k - (out.length - shape.length);
    return i < 0 || (shape[i] === 1 && d !== 1) ? 0 : s[i]!;
  });
}

/** v - zp as int32 (zp broadcast to v by `zpShape`), or v itself when there is no zero point. */
function shifted(
  ctx: LowerContext,
  v: LoweredValue,
  zp: LoweredValue | undefined,
  zpShape: readonly number[],
  pre: Kernel[],
): LoweredValue {
  if (!zp) return v;
  const n = sizeOf(v.shape);
  if (v.constant && zp.constant) {
    const idx = broadcastIndex(v.shape, zpShape);
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = Number(v.constant.data[i]) - Number(zp.constant.data[idx[i]!]);
    const t: Tensor = { dtype: 'int32', shape: [...v.shape], data };
    return { buffer: ctx.constant(t, 'zero_shifted'), dtype: 'int32', shape: v.shape, constant: t };
  }
  const buffer = ctx.scratch('int32', n, 'zero_shifted');
  const f = ctx.fresh('zs');
  const vars = v.shape.map((d, k) => levelVar(`${f}${k}`, d));
  const xs = stridesOf(v.shape);
  const zs = bcastStrides(v.shape, zpShape);
  const value = binary(
    'sub',
    'i32',
    widen(
      v.buffer,
      v.dtype,
      ix(
        0,
        vars.map((x, k) => [x, xs[k]!]),
      ),
      'i32',
    ),
    widen(
      zp.buffer,
      zp.dtype,
      ix(
        0,
        vars.map((x, k) => [x, zs[k]!]),
      ),
      'i32',
    ),
  );
  const levels = v.shape.map((d, k) => ({ v: vars[k], extent: d, vectorize: k === v.shape.length - 1 }));
  const body = nest(
    levels,
    [
      store(
        buffer,
        'int32',
        ix(
          0,
          vars.map((x, k) => [x, xs[k]!]),
        ),
        value,
      ),
    ],
    true,
  );
  pre.push(kernel(ctx, `zero_point_shift_${suffix(v.dtype)}_i32`, body));
  return { buffer, dtype: 'int32', shape: v.shape };
}

/** MatMul zero points: a scalar, a per-row [M] one for A, a per-column [N] one for B, else numpy broadcast. */
function zpShape(zp: LoweredValue | undefined, side: 'a' | 'b'): number[] {
  if (!zp || sizeOf(zp.shape) === 1) return [];
  return zp.shape.length === 1 && side === 'a' ? [zp.shape[0]!, 1] : [...zp.shape];
}

function integerMatmul(
  ctx: LowerContext,
  a: LoweredValue,
  azp: LoweredValue | undefined,
  b: LoweredValue,
  bzp: LoweredValue | undefined,
  acc: LoweredValue,
): Kernel[] {
  const pre: Kernel[] = [];
  const sa = shifted(ctx, a, azp, zpShape(azp, 'a'), pre);
  const sb = shifted(ctx, b, bzp, zpShape(bzp, 'b'), pre);
  return [...pre, matmulLoops(ctx, sa, sb, acc)];
}

function lowerMatMulInteger(ctx: LowerContext): Lowered {
  const y = output(ctx);
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  return { kernels: integerMatmul(ctx, required(ctx, 0), ctx.inputs[2], required(ctx, 1), ctx.inputs[3], y) };
}

/** f32(f32(s1 * s2) / sy) widened to float64: the reference's combined multiplier. */
function multiplier(s1: Expr, s2: Expr, sy: Expr): Expr {
  return convert('f32', 'f64', binary('div', 'f32', binary('mul', 'f32', s1, s2), sy));
}

function scalarF32(v: LoweredValue): Expr {
  return widen(v.buffer, v.dtype, ix(0, []), 'f32');
}

function lowerQLinearMatMul(ctx: LowerContext): Lowered {
  const [a, as, azp, b, bs, bzp, ys, yzp] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
    required(ctx, i),
  ) as LoweredValue[];
  const y = output(ctx);
  const n = sizeOf(y.shape);
  if (n === 0) return { kernels: [] };
  const acc = ctx.scratch('int32', n, 'qmatmul_acc');
  const product = integerMatmul(ctx, a!, azp, b!, bzp, { buffer: acc, dtype: 'int32', shape: y.shape });
  // scales index the output's last two dims: A's per row, B's per column
  const N = y.shape[y.shape.length - 1] ?? 1;
  const M = y.shape.length > 1 ? y.shape[y.shape.length - 2]! : 1;
  const f = ctx.fresh('rq');
  const [r, i, j] = [levelVar(`${f}r`, n / (M * N)), levelVar(`${f}i`, M), levelVar(`${f}j`, N)];
  const scale = (s: LoweredValue, v: string | undefined): Expr =>
    widen(s.buffer, s.dtype, ix(0, [[sizeOf(s.shape) === 1 ? undefined : v, 1]]), 'f32');
  const mult = multiplier(scale(as!, i), scale(bs!, j), scalarF32(ys!));
  const at = ix(0, [
    [r, M * N],
    [i, N],
    [j, 1],
  ]);
  const value = binary('mul', 'f64', widen(acc, 'int32', at, 'f64'), mult);
  const q = saturate('f64', value, widen(yzp!.buffer, yzp!.dtype, ix(0, []), 'f64'), y.dtype);
  const levels = [
    { v: r, extent: n / (M * N) },
    { v: i, extent: M },
    { v: j, extent: N, vectorize: true },
  ];
  const requant = kernel(
    ctx,
    `requantize_i32_${suffix(y.dtype)}`,
    nest(levels, [store(y.buffer, y.dtype, at, q)], true),
  );
  return { kernels: [...product, requant] };
}

/** The exact int32 convolution of (x - x_zp) and (w - w_zp) (+ bias) into `acc`. */
function integerConv(
  ctx: LowerContext,
  p: ConvPlan,
  x: LoweredValue,
  xzp: LoweredValue | undefined,
  w: LoweredValue,
  wzp: LoweredValue | undefined,
  bias: LoweredValue | undefined,
  acc: string,
): Kernel[] {
  if (xzp && sizeOf(xzp.shape) !== 1) throw new LoweringUnsupported('x_zero_point must be a scalar');
  const pre: Kernel[] = [];
  const sx = shifted(ctx, x, xzp, [], pre);
  // per-output-channel weight zero points broadcast along W's first axis
  const wShape = wzp && sizeOf(wzp.shape) !== 1 ? [w.shape[0]!, ...w.shape.slice(1).map(() => 1)] : [];
  const sw = shifted(ctx, w, wzp, wShape, pre);
  const op = (v: LoweredValue) => ({ buffer: v.buffer, dtype: v.dtype });
  const y = { buffer: acc, dtype: 'int32' as const };
  if (p.Cg === 1) {
    const wt = p.layout === 'NHWC' ? tapMajor(ctx, p, sw, sw.dtype, pre) : op(sw);
    return [...pre, convDepthwise(ctx, p, { x: op(sx), w: wt, bias: bias && op(bias), y })];
  }
  return [...pre, ...convDirect(ctx, p, { x: op(sx), w: op(sw), bias: bias && op(bias), y })];
}

function lowerConvInteger(ctx: LowerContext): Lowered {
  const x = required(ctx, 0);
  const w = required(ctx, 1);
  const y = output(ctx);
  const p = planConv(ctx, x, w);
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  return { kernels: integerConv(ctx, p, x, ctx.inputs[2], w, ctx.inputs[3], undefined, y.buffer) };
}

function lowerQLinearConv(ctx: LowerContext): Lowered {
  const [x, xs, xzp, w, ws, wzp, ys, yzp] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
    required(ctx, i),
  ) as LoweredValue[];
  const bias = ctx.inputs[8];
  const y = output(ctx);
  const n = sizeOf(y.shape);
  const p = planConv(ctx, x!, w!);
  if (n === 0) return { kernels: [] };
  const acc = ctx.scratch('int32', n, 'qconv_acc');
  const conv = integerConv(ctx, p, x!, xzp, w!, wzp, bias, acc);
  const plane = n / (p.N * p.M);
  const f = ctx.fresh('rq');
  const [b, m, s] = [levelVar(`${f}n`, p.N), levelVar(`${f}m`, p.M), levelVar(`${f}s`, plane)];
  const nhwc = p.layout === 'NHWC';
  const at = ix(0, [
    [b, p.M * plane],
    [m, nhwc ? 1 : plane],
    [s, nhwc ? p.M : 1],
  ]);
  const wScale = widen(ws!.buffer, ws!.dtype, ix(0, [[sizeOf(ws!.shape) === 1 ? undefined : m, 1]]), 'f32');
  const value = binary(
    'mul',
    'f64',
    widen(acc, 'int32', at, 'f64'),
    multiplier(scalarF32(xs!), wScale, scalarF32(ys!)),
  );
  const q = saturate('f64', value, widen(yzp!.buffer, yzp!.dtype, ix(0, []), 'f64'), y.dtype);
  const levels = nhwc
    ? [
        { v: b, extent: p.N },
        { v: s, extent: plane },
        { v: m, extent: p.M, vectorize: true },
      ]
    : [
        { v: b, extent: p.N },
        { v: m, extent: p.M },
        { v: s, extent: plane, vectorize: true },
      ];
  const requant = kernel(
    ctx,
    `requantize_i32_${suffix(y.dtype)}`,
    nest(levels, [store(y.buffer, y.dtype, at, q)], true),
  );
  return { kernels: [...conv, requant] };
}

registerLowerings({
  MatMulInteger: lowerMatMulInteger,
  QLinearMatMul: lowerQLinearMatMul,
  ConvInteger: lowerConvInteger,
  QLinearConv: lowerQLinearConv,
});
