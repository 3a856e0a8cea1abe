import type { DType } from '../../../ir/dtype.js';
import { sizeOf } from '../../../ir/tensor.js';
import { shapeFirst, type Layout } from '../../../ops/linalg/layout.js';
import { resolveWindow } from '../../../ops/linalg/window.js';
import { binary, compare, constant, convert, load, select, unary } from '../../kernel/build.js';
import type { Expr, GemmCall, Index, Kernel, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { f32Input, f32Output, ix, kernel, matrix, output, required, suffix, usesF32Gemm } from './common.js';
import { stridesOf, type Triple } from './geometry.js';
import { levelVar, nest } from './nest.js';

/**
 * DeformConv (2-D, float32 family): per image, a sampling kernel builds the deformed column matrix
 * [C * kH * kW, oH * oW] (each tap read bilinearly at its regular position plus its learned
 * offset, times the mask; samples outside the image read zero, as torchvision), then one GEMM per
 * group with the weights, bias along rows. Corner loads use clamped indices and are masked, so no
 * load leaves the image whatever the offsets.
 */
interface DeformAttrs {
  readonly dilations: readonly number[] | undefined;
  readonly group: number;
  readonly kernel_shape: readonly number[] | undefined;
  readonly offset_group: number;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
  readonly layout: Layout;
}

function lowerDeformConv(ctx: LowerContext): Lowered {
  const a = ctx.attrs as unknown as DeformAttrs;
  const [x, w, off] = [required(ctx, 0), required(ctx, 1), required(ctx, 2)];
  const [b, mask] = [ctx.inputs[3], ctx.inputs[4]];
  const y = output(ctx);
  if (!usesF32Gemm(y.dtype)) throw new LoweringUnsupported(`DeformConv of ${y.dtype}`);
  const xs = shapeFirst(x.shape, a.layout) as number[];
  if (xs.length !== 4) throw new LoweringUnsupported('DeformConv with other than 2 spatial axes');
  const kernelShape = a.kernel_shape ?? w.shape.slice(2);
  const win = resolveWindow(xs.slice(2), kernelShape, { auto_pad: 'NOTSET', ...a });
  const [N, C, H, W] = xs as [number, number, number, number];
  const [oH, oW] = win.output as [number, number];
  const [kH, kW] = kernelShape as [number, number];
  const M = w.shape[0]!;
  const G = a.group;
  const taps = kH * kW;
  const plane = oH * oW;
  const K = (C / G) * taps;
  const Mg = M / G;
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  const pre: Kernel[] = [];
  const stage = (v: LoweredValue, hint: string): string => {
    const s = f32Input(ctx, v, hint);
    pre.push(...s.pre);
    return s.buffer;
  };
  const fw = stage(w, 'deform_w');
  const fb = b && stage(b, 'deform_b');
  const fy = f32Output(ctx, y, 'deform_y');
  const col = ctx.scratch('float32', C * taps * plane, 'deform_col');
  const ys = stridesOf(a.layout, M, [1, oH, oW]);
  const ks: Kernel[] = [];
  for (let n = 0; n < N; n++) {
    ks.push(sampling(ctx, { x, off, mask, col, n, C, H, W, oH, oW, kH, kW, a, win }));
    const calls: GemmCall[] = Array.from({ length: G }, (_, g) => ({
      op: 'gemm',
      m: Mg,
      n: plane,
      k: K,
      a: matrix(fw, g * Mg * K, K),
      b: matrix(col, g * K * plane, plane),
      // NHWC: the output block is [Mg, plane] with rows one element apart
      c:
        a.layout === 'NHWC'
          ? matrix(fy.buffer, n * ys.n + g * Mg, 1, M)
          : matrix(fy.buffer, n * ys.n + g * Mg * plane, plane),
      accumulate: false,
      ...(fb ? { bias: { buffer: fb, offset: g * Mg, along: 'row' as const } } : {}),
    }));
    ks.push(kernel(ctx, `deform_conv2d_gemm_f32`, calls));
  }
  return { kernels: [...pre, ...ks, ...fy.post] };
}

interface Sampling {
  readonly x: LoweredValue;
  readonly off: LoweredValue;
  readonly mask: LoweredValue | undefined;
  readonly col: string;
  readonly n: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly oH: number;
  readonly oW: number;
  readonly kH: number;
  readonly kW: number;
  readonly a: DeformAttrs;
  readonly win: {
    readonly strides: readonly number[];
    readonly dilations: readonly number[];
    readonly padBegin: readonly number[];
  };
}

function sampling(ctx: LowerContext, s: Sampling): Kernel {
  const { C, H, W, oH, oW, kH, kW, a } = s;
  const taps = kH * kW;
  const plane = oH * oW;
  const OG = a.offset_group;
  const perGroup = C / OG;
  const xs = stridesOf(a.layout, C, [1, H, W]);
  const os = stridesOf(a.layout, OG * 2 * taps, [1, oH, oW]);
  const ms = stridesOf(a.layout, OG * taps, [1, oH, oW]);
  const f = ctx.fresh('dc');
  const [g, c, i, j, oh, ow] = [
    levelVar(`${f}g`, OG),
    levelVar(`${f}c`, perGroup),
    levelVar(`${f}i`, kH),
    levelVar(`${f}j`, kW),
    levelVar(`${f}oh`, oH),
    levelVar(`${f}ow`, oW),
  ];
  const L = (name: string, type: 'f32' | 'i32' = 'f32'): Expr => ({ op: 'local', name: `${f}${name}`, type });
  const set = (name: string, value: Expr, type: 'f32' | 'i32' = 'f32'): Stmt => ({
    op: 'set',
    name: `${f}${name}`,
    type,
    value,
  });
  const pos = (v: string | undefined): [string | undefined, number][] => [[v, 1]];
  const f32 = (buffer: string, dtype: DType, index: Index): Expr =>
    convert(dtype === 'float64' ? 'f64' : 'f32', 'f32', load(buffer, dtype, index));
  const spatial = (st: { s: Triple }): [string | undefined, number][] => [
    [oh, st.s[1]],
    [ow, st.s[2]],
  ];
  // channel of the offset pair / mask of (group g, tap (i, j))
  const offH = ix(s.n * os.n, [[g, 2 * taps * os.c], [i, 2 * kW * os.c], [j, 2 * os.c], ...spatial(os)]);
  const offW = { ...offH, offset: offH.offset + os.c };
  const regular = (o: string | undefined, k: string | undefined, axis: 0 | 1): Expr => {
    const [st, dl, pb] = [s.win.strides[axis]!, s.win.dilations[axis]!, s.win.padBegin[axis]!];
    const parts: Expr[] = [constant('i32', -pb)];
    if (o) parts.push(binary('mul', 'i32', { op: 'var', name: o }, constant('i32', st)));
    if (k) parts.push(binary('mul', 'i32', { op: 'var', name: k }, constant('i32', dl)));
    return convert(
      'i32',
      'f32',
      parts.reduce((p, q) => binary('add', 'i32', p, q)),
    );
  };
  const corner = (dr: number, dc: number): Expr => {
    const r = binary('add', 'i32', L('h0', 'i32'), constant('i32', dr));
    const cc = binary('add', 'i32', L('w0', 'i32'), constant('i32', dc));
    const inside = [
      compare('ge', 'i32', r, constant('i32', 0)),
      compare('lt', 'i32', r, constant('i32', H)),
      compare('ge', 'i32', cc, constant('i32', 0)),
      compare('lt', 'i32', cc, constant('i32', W)),
    ].reduce((p, q) => binary('and', 'i32', p, q));
    const clamp = (v: Expr, hi: number) =>
      binary('max', 'i32', binary('min', 'i32', v, constant('i32', hi)), constant('i32', 0));
    const at = binary(
      'add',
      'i32',
      binary('mul', 'i32', clamp(r, H - 1), constant('i32', xs.s[1])),
      binary('mul', 'i32', clamp(cc, W - 1), constant('i32', xs.s[2])),
    );
    const xIx: Index = {
      ...ix(s.n * xs.n, [
        [g, perGroup * xs.c],
        [c, xs.c],
      ]),
      dynamic: at,
    };
    return select('f32', inside, f32(s.x.buffer, s.x.dtype, xIx), constant('f32', 0));
  };
  const one = constant('f32', 1);
  const lerp = (p: Expr, q: Expr, t: Expr): Expr =>
    binary('add', 'f32', binary('mul', 'f32', binary('sub', 'f32', one, t), p), binary('mul', 'f32', t, q));
  const sample = lerp(
    lerp(corner(0, 0), corner(0, 1), L('lw')),
    lerp(corner(1, 0), corner(1, 1), L('lw')),
    L('lh'),
  );
  const inImage = [
    compare('gt', 'f32', L('h'), constant('f32', -1)),
    compare('lt', 'f32', L('h'), constant('f32', H)),
    compare('gt', 'f32', L('w'), constant('f32', -1)),
    compare('lt', 'f32', L('w'), constant('f32', W)),
  ].reduce((p, q) => binary('and', 'i32', p, q));
  let value = select('f32', inImage, sample, constant('f32', 0));
  if (s.mask) {
    const mIx = ix(s.n * ms.n, [[g, taps * ms.c], [i, kW * ms.c], [j, ms.c], ...spatial(ms)]);
    value = binary('mul', 'f32', value, f32(s.mask.buffer, s.mask.dtype, mIx));
  }
  const colIx = ix(0, [
    [g, perGroup * taps * plane],
    [c, taps * plane],
    [i, kW * plane],
    [j, plane],
    [oh, oW],
    ...pos(ow),
  ]);
  const body: Stmt[] = [
    set('h', binary('add', 'f32', regular(oh, i, 0), f32(s.off.buffer, s.off.dtype, offH))),
    set('w', binary('add', 'f32', regular(ow, j, 1), f32(s.off.buffer, s.off.dtype, offW))),
    set('h0', convert('f32', 'i32', unary('floor', 'f32', L('h'))), 'i32'),
    set('w0', convert('f32', 'i32', unary('floor', 'f32', L('w'))), 'i32'),
    set('lh', binary('sub', 'f32', L('h'), unary('floor', 'f32', L('h')))),
    set('lw', binary('sub', 'f32', L('w'), unary('floor', 'f32', L('w')))),
    { op: 'store', buffer: s.col, dtype: 'float32', index: colIx, value },
  ];
  const levels = [
    { v: g, extent: OG },
    { v: c, extent: perGroup },
    { v: i, extent: kH },
    { v: j, extent: kW },
    { v: oh, extent: oH },
    { v: ow, extent: oW },
  ];
  return kernel(ctx, `deform_conv2d_sample_${suffix(s.x.dtype)}`, nest(levels, body, true));
}

registerLowerings({ DeformConv: lowerDeformConv });
