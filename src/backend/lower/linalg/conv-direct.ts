import { binary, computeType, constant, load, store } from '../../kernel/build.js';
import type { Expr, Kernel, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { ix, kernel, suffix } from './common.js';
import type { Operand } from './conv-depthwise.js';
import { padInput, xStrides, yStrides, type ConvPlan } from './conv-plan.js';
import { volume } from './geometry.js';
import { levelVar, nest } from './nest.js';

/**
 * Grouped Conv as a plain direct loop nest over the zero-padded input, for dtypes without a GEMM
 * micro-kernel (float64): one dot product of length Cg * kv per output, accumulated in a local.
 */
export function convDirect(
  ctx: LowerContext,
  p: ConvPlan,
  buf: { x: Operand; w: Operand; bias: Operand | undefined; y: Operand },
): Kernel[] {
  const { N, G, Cg, Mg } = p;
  const t = computeType(buf.y.dtype);
  const padded = padInput(ctx, p, buf.x);
  const g = padded.g;
  const xs = xStrides(p, g.input);
  const ys = yStrides(p);
  const kv = volume(g.kernel);
  const [KD, KH, KW] = g.kernel;
  const [OD, OH, OW] = g.output;
  const f = ctx.fresh('cd');
  const v = (name: string, extent: number) => levelVar(`${f}${name}`, extent);
  const [n, grp, m, od, oh, ow] = [v('n', N), v('g', G), v('m', Mg), v('od', OD), v('oh', OH), v('ow', OW)];
  const [c, kd, kh, kw] = [v('c', Cg), v('kd', KD), v('kh', KH), v('kw', KW)];
  const [sd, sh, sw] = g.strides;
  const [dd, dh, dw] = g.dilations;
  const acc = `${f}acc`;
  const local: Expr = { op: 'local', name: acc, type: t };
  const w = load(
    buf.w.buffer,
    buf.w.dtype,
    ix(0, [
      [grp, Mg * Cg * kv],
      [m, Cg * kv],
      [c, kv],
      [kd, KH * KW],
      [kh, KW],
      [kw, 1],
    ]),
  );
  const x = load(
    padded.buffer,
    buf.x.dtype,
    ix(0, [
      [n, xs.n],
      [grp, Cg * xs.c],
      [c, xs.c],
      [od, sd * xs.s[0]],
      [kd, dd * xs.s[0]],
      [oh, sh * xs.s[1]],
      [kh, dh * xs.s[1]],
      [ow, sw * xs.s[2]],
      [kw, dw * xs.s[2]],
    ]),
  );
  let result: Expr = local;
  if (buf.bias)
    result = binary(
      'add',
      t,
      local,
      load(
        buf.bias.buffer,
        buf.bias.dtype,
        ix(0, [
          [grp, Mg],
          [m, 1],
        ]),
      ),
    );
  const yIx = ix(0, [
    [n, ys.n],
    [grp, Mg * ys.c],
    [m, ys.c],
    [od, ys.s[0]],
    [oh, ys.s[1]],
    [ow, ys.s[2]],
  ]);
  const reduce = nest(
    [
      { v: c, extent: Cg },
      { v: kd, extent: KD },
      { v: kh, extent: KH },
      { v: kw, extent: KW },
    ],
    [{ op: 'set', name: acc, type: t, value: binary('add', t, local, binary('mul', t, w, x)) }],
  );
  const body: Stmt[] = [
    { op: 'set', name: acc, type: t, value: constant(t, 0) },
    ...reduce,
    store(buf.y.buffer, buf.y.dtype, yIx, result),
  ];
  const loops = nest(
    [
      { v: n, extent: N },
      { v: grp, extent: G },
      { v: m, extent: Mg },
      { v: od, extent: OD },
      { v: oh, extent: OH },
      { v: ow, extent: OW },
    ],
    body,
    true,
  );
  return [...padded.kernels, kernel(ctx, `${p.stem}_direct_${suffix(buf.y.dtype)}`, loops)];
}
