import { dtypeOfCode } from '../../../ops/support/dtype-codes.js';
import { sizeOf } from '../../../ir/tensor.js';
import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  load,
  select,
  store,
  unary,
} from '../../kernel/build.js';
import type { Expr, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, output, required, suffix } from './common.js';
import { levelVar, nest } from './nest.js';
import { paramLoops, saturate, widen } from './quant.js';

/**
 * QuantizeLinear, DequantizeLinear (per-tensor, per-axis, blocked) and DynamicQuantizeLinear as
 * elementwise loop nests that match the reference bit for bit: x / scale is rounded to the
 * precision of the scale (float32 or float64), then half-to-even, plus the zero point, saturated.
 */
interface QuantAttrs {
  readonly axis: number;
  readonly block_size: number;
  readonly output_dtype: number;
  readonly precision?: number;
}

function lowerQuantize(ctx: LowerContext): Lowered {
  const a = ctx.attrs as unknown as QuantAttrs;
  const x = required(ctx, 0);
  const scale = required(ctx, 1);
  const zp = ctx.inputs[2];
  const y = output(ctx);
  const precision = a.precision ? dtypeOfCode(a.precision) : scale.dtype;
  if (precision !== 'float32' && precision !== 'float64')
    throw new LoweringUnsupported(`QuantizeLinear at ${precision} precision`);
  const t: Scalar = precision === 'float64' ? 'f64' : 'f32';
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  const body = paramLoops(ctx.fresh('q'), x.shape, scale.shape, a.axis, a.block_size, (xi, pi) => {
    const q = binary('div', t, widen(x.buffer, x.dtype, xi, t), widen(scale.buffer, scale.dtype, pi, t));
    const z = zp && widen(zp.buffer, zp.dtype, pi, t);
    return [store(y.buffer, y.dtype, xi, saturate(t, q, z, y.dtype))];
  });
  return { kernels: [kernel(ctx, `quantize_${suffix(x.dtype)}_${suffix(y.dtype)}`, body)] };
}

function lowerDequantize(ctx: LowerContext): Lowered {
  const a = ctx.attrs as unknown as QuantAttrs;
  const x = required(ctx, 0);
  const scale = required(ctx, 1);
  const zp = ctx.inputs[2];
  const y = output(ctx);
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  // 8- and 16-bit (x - zp) is exact in float32, so one float32 multiply rounds like the reference's
  // float64 product rounded once; int32 and float64 outputs compute in float64
  const t: Scalar = x.dtype === 'int32' || y.dtype === 'float64' ? 'f64' : 'f32';
  const ct = computeType(y.dtype);
  const body = paramLoops(ctx.fresh('dq'), x.shape, scale.shape, a.axis, a.block_size, (xi, pi) => {
    let v: Expr;
    if (t === 'f32') {
      const d = zp
        ? binary('sub', 'i32', load(x.buffer, x.dtype, xi), load(zp.buffer, zp.dtype, pi))
        : load(x.buffer, x.dtype, xi);
      v = convert('i32', 'f32', d);
    } else {
      v = widen(x.buffer, x.dtype, xi, 'f64');
      if (zp) v = binary('sub', 'f64', v, widen(zp.buffer, zp.dtype, pi, 'f64'));
    }
    v = binary('mul', t, v, widen(scale.buffer, scale.dtype, pi, t));
    return [store(y.buffer, y.dtype, xi, convert(t, ct, v))];
  });
  return { kernels: [kernel(ctx, `dequantize_${suffix(x.dtype)}_${suffix(y.dtype)}`, body)] };
}

/**
 * DynamicQuantizeLinear (spec function body): a scalar pass finds min(0, x) and max(0, x) (NaN
 * ignored, as comparisons skip it), forms scale and zero point in float32, then quantizes to uint8.
 */
function lowerDynamicQuantize(ctx: LowerContext): Lowered {
  const x = required(ctx, 0);
  const [y, s, z] = [output(ctx, 0), output(ctx, 1), output(ctx, 2)];
  const n = sizeOf(x.shape);
  const f = ctx.fresh('dyq');
  const [lo, hi, sc, i] = [`${f}lo`, `${f}hi`, `${f}s`, levelVar(`${f}i`, n)];
  const L = (name: string): Expr => ({ op: 'local', name, type: 'f32' });
  const set = (name: string, value: Expr): Stmt => ({ op: 'set', name, type: 'f32', value });
  const v = widen(x.buffer, x.dtype, ix(0, [[i, 1]]), 'f32');
  const range: Expr = select(
    'f32',
    compare('eq', 'f32', L(hi), L(lo)),
    constant('f32', 1),
    binary('sub', 'f32', L(hi), L(lo)),
  );
  const zp = binary(
    'max',
    'f32',
    binary(
      'min',
      'f32',
      unary('nearest', 'f32', binary('sub', 'f32', constant('f32', 0), binary('div', 'f32', L(lo), L(sc)))),
      constant('f32', 255),
    ),
    constant('f32', 0),
  );
  const stats: Stmt[] = [
    set(lo, constant('f32', 0)),
    set(hi, constant('f32', 0)),
    ...nest(
      [{ v: i, extent: n }],
      [
        set(lo, select('f32', compare('lt', 'f32', v, L(lo)), v, L(lo))),
        set(hi, select('f32', compare('gt', 'f32', v, L(hi)), v, L(hi))),
      ],
    ),
    set(sc, binary('div', 'f32', range, constant('f32', 255))),
    store(s.buffer, 'float32', ix(0, []), L(sc)),
    store(z.buffer, 'uint8', ix(0, []), convert('f32', 'i32', zp)),
  ];
  const scale = load(s.buffer, 'float32', ix(0, []));
  const zero = convert('i32', 'f32', load(z.buffer, 'uint8', ix(0, [])));
  const q = binary('div', 'f32', v, scale);
  const quant = nest(
    [{ v: i, extent: n, vectorize: true }],
    [store(y.buffer, 'uint8', ix(0, [[i, 1]]), saturate('f32', q, zero, 'uint8'))],
    true,
  );
  return {
    kernels: [
      kernel(ctx, `dynamic_quantize_range_${suffix(x.dtype)}`, stats),
      kernel(ctx, `dynamic_quantize_${suffix(x.dtype)}_u8`, quant),
    ],
  };
}

registerLowerings({
  QuantizeLinear: lowerQuantize,
  DequantizeLinear: lowerDequantize,
  DynamicQuantizeLinear: lowerDynamicQuantize,
});
