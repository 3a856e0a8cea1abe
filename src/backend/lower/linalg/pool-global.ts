import type { DType } from '../../../ir/dtype.js';
import { sizeOf } from '../../../ir/tensor.js';
import { shapeFirst, type Layout } from '../../../ops/linalg/layout.js';
import { binary, computeType, constant, convert, load, store, unary } from '../../kernel/build.js';
import type { Expr, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, loop, output, required, suffix } from './common.js';
import { levelVar, nest } from './nest.js';

/**
 * GlobalAveragePool, GlobalMaxPool, GlobalLpPool. NCHW: one scalar reduction per contiguous plane,
 * summed in float64 (free in a scalar loop, and as exact as the reference). NHWC: the reduction
 * runs over positions with channels as the contiguous vector dimension, accumulated in float32
 * (float64 for float64) in the output or, for the halves, in scratch.
 */
type Kind = 'avg' | 'max' | 'lp';

function lowerGlobal(kind: Kind, op: string) {
  return (ctx: LowerContext): Lowered => {
    const a = ctx.attrs as unknown as { layout: Layout; p?: number };
    const x = required(ctx, 0);
    const y = output(ctx);
    if (!['float32', 'float16', 'bfloat16', 'float64'].includes(y.dtype))
      throw new LoweringUnsupported(`${op} of ${y.dtype}`);
    const xs = shapeFirst(x.shape, a.layout) as number[];
    const [N, C] = xs as [number, number];
    const plane = sizeOf(xs.slice(2));
    if (sizeOf(y.shape) === 0) return { kernels: [] };
    const pw = a.p ?? 2;
    const spec = { kind, pw, N, C, plane, x: x.buffer, y: y.buffer, dtype: y.dtype, xDtype: x.dtype };
    const name = `global_${kind}pool${a.layout === 'NHWC' ? '_nhwc' : ''}_${suffix(y.dtype)}`;
    if (a.layout === 'NCHW' || xs.length < 3) return { kernels: [kernel(ctx, name, planes(ctx, spec))] };
    const wide = y.dtype === 'float32' || y.dtype === 'float64' || kind === 'max';
    const acc = wide ? y.buffer : ctx.scratch('float32', N * C, 'global_pool_acc');
    return {
      kernels: [
        kernel(ctx, name, channelsLast(ctx, spec, { buffer: acc, dtype: wide ? y.dtype : 'float32' })),
      ],
    };
  };
}

interface Spec {
  readonly kind: Kind;
  readonly pw: number;
  readonly N: number;
  readonly C: number;
  readonly plane: number;
  readonly x: string;
  readonly y: string;
  /** The output's storage type; `xDtype` the input's (auto-cast may store either in 16 bits). */
  readonly dtype: DType;
  readonly xDtype: DType;
}

function step(s: Spec, t: Scalar, acc: Expr, x: Expr): Expr {
  if (s.kind === 'max') return binary('max', t, acc, x);
  if (s.kind === 'avg') return binary('add', t, acc, x);
  if (s.pw === 2) return binary('add', t, acc, binary('mul', t, x, x));
  if (s.pw === 1) return binary('add', t, acc, unary('abs', t, x));
  return binary('add', t, acc, binary('pow', t, unary('abs', t, x), constant(t, s.pw)));
}

function final(s: Spec, t: Scalar, acc: Expr): Expr {
  if (s.kind === 'max') return acc;
  if (s.kind === 'avg') return binary('div', t, acc, constant(t, s.plane));
  if (s.pw === 2) return unary('sqrt', t, acc);
  if (s.pw === 1) return acc;
  return binary('pow', t, acc, constant(t, 1 / s.pw));
}

function planes(ctx: LowerContext, s: Spec): Stmt[] {
  const f = ctx.fresh('gp');
  const ct = computeType(s.dtype);
  const t: Scalar = s.kind === 'max' ? ct : 'f64';
  const [p, i, acc] = [levelVar(`${f}p`, s.N * s.C), levelVar(`${f}i`, s.plane), `${f}acc`];
  const local: Expr = { op: 'local', name: acc, type: t };
  const x = convert(
    ct,
    t,
    load(
      s.x,
      s.xDtype,
      ix(0, [
        [p, s.plane],
        [i, 1],
      ]),
    ),
  );
  const body: Stmt[] = [
    { op: 'set', name: acc, type: t, value: constant(t, s.kind === 'max' ? -Infinity : 0) },
    ...nest([{ v: i, extent: s.plane }], [{ op: 'set', name: acc, type: t, value: step(s, t, local, x) }]),
    store(s.y, s.dtype, ix(0, [[p, 1]]), convert(t, ct, final(s, t, local))),
  ];
  return nest([{ v: p, extent: s.N * s.C }], body, true);
}

function channelsLast(ctx: LowerContext, s: Spec, acc: { buffer: string; dtype: DType }): Stmt[] {
  const f = ctx.fresh('gp');
  const t = computeType(acc.dtype);
  const [n, i, c] = [levelVar(`${f}n`, s.N), levelVar(`${f}i`, s.plane), `${f}c`];
  const accIx = ix(0, [
    [n, s.C],
    [c, 1],
  ]);
  const accL = load(acc.buffer, acc.dtype, accIx);
  const x = load(
    s.x,
    s.xDtype,
    ix(0, [
      [n, s.plane * s.C],
      [i, s.C],
      [c, 1],
    ]),
  );
  const vec = (body: Stmt[]): Stmt => loop(c, s.C, body, { vectorize: true });
  const body: Stmt[] = [
    vec([store(acc.buffer, acc.dtype, accIx, constant(t, s.kind === 'max' ? -Infinity : 0))]),
    ...nest([{ v: i, extent: s.plane }], [vec([store(acc.buffer, acc.dtype, accIx, step(s, t, accL, x))])]),
    vec([store(s.y, s.dtype, accIx, final(s, t, accL))]),
  ];
  return nest([{ v: n, extent: s.N }], body, true);
}

registerLowerings({
  GlobalAveragePool: lowerGlobal('avg', 'GlobalAveragePool'),
  GlobalMaxPool: lowerGlobal('max', 'GlobalMaxPool'),
  GlobalLpPool: lowerGlobal('lp', 'GlobalLpPool'),
});
