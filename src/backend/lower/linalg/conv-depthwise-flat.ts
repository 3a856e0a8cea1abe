import { binary, computeType, constant, convert, load, store } from '../../kernel/build.js';
import type { Expr, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import type { LowerContext } from '../lowering.js';
import { ix, kernel, suffix } from './common.js';
import type { DepthwiseBuffers } from './conv-depthwise.js';
import { padInput, type ConvPlan } from './conv-plan.js';
import { activationExpr, type Epilogue } from './epilogue.js';
import { levelVar, nest } from './nest.js';

/**
 * Depthwise convolution of small NCHW planes (stride 1) as one long vector loop per channel. With
 * the input padded into rows of pitch P = W + padding, output (oh, ow) reads padded element
 * (oh + kh) P + ow + kw, so over q = oh P + ow every tap is the affine q + (kh P + kw): the loop over
 * q has no borders and no per-row remainder. The P - OW columns past each output row are computed
 * and dropped: a pass then copies the rows out (applying the fused epilogue). On 7x7 and 14x14
 * planes the segment nest of conv-depthwise.ts runs most columns scalar; this runs all four-wide.
 */

/**
 * Measured (14x14, 7x7 and 28x28 planes, 3x3 and 5x5): the flat loop wins on rows of at most 16
 * outputs when the window has 25 taps or more, or when the epilogue calls a vector math routine
 * (whose scalar remainder columns cost ~5x a lane); 3x3 windows with cheap epilogues and rows of
 * 28 and more are faster as segments (no pad and copy passes).
 */
const MAX_FLAT_WIDTH = 16;
const MANY_TAPS = 25;
const MAX_TAPS = 64;
const COSTLY: ReadonlySet<string> = new Set(['sigmoid', 'silu', 'tanh', 'gelu']);

export function flatApplies(p: ConvPlan, epilogue: Epilogue = {}): boolean {
  const g = p.g;
  const taps = g.kernel[1] * g.kernel[2];
  const costly = epilogue.activation !== undefined && COSTLY.has(epilogue.activation.kind);
  return (
    p.layout === 'NCHW' &&
    g.input[0] === 1 &&
    g.kernel[0] === 1 &&
    g.strides.every((s) => s === 1) &&
    g.output[2] <= MAX_FLAT_WIDTH &&
    g.output[1] > 1 &&
    taps <= MAX_TAPS &&
    (taps >= MANY_TAPS || costly)
  );
}

export function convDepthwiseFlat(
  ctx: LowerContext,
  p: ConvPlan,
  buf: DepthwiseBuffers,
  epilogue: Epilogue,
): Kernel[] {
  const { g, N, C, Mg, M } = p;
  const t = computeType(buf.y.dtype);
  const rowsDtype = t === 'f64' ? 'float64' : 'float32';
  const padded = padInput(ctx, p, buf.x);
  const [, HP, P] = padded.g.input;
  const [, OH, OW] = g.output;
  const [, KH, KW] = g.kernel;
  const [, dh, dw] = g.dilations;
  // the last row stops at its last real column: no tap then reads past the padded plane
  const span = (OH - 1) * P + OW;
  const rows = ctx.scratch(rowsDtype, N * M * OH * P, 'dw_rows');
  const f = ctx.fresh('dwf');
  const [n, c, j, q] = [levelVar(`${f}n`, N), levelVar(`${f}c`, C), levelVar(`${f}j`, Mg), `${f}q`];
  const plane = HP * P;
  const xAt = (tap: number): Expr => {
    const [kh, kw] = [Math.floor(tap / KW), tap % KW];
    return load(
      padded.buffer,
      buf.x.dtype,
      ix(kh * dh * P + kw * dw, [
        [n, C * plane],
        [c, plane],
        [q, 1],
      ]),
    );
  };
  const wAt = (tap: number): Expr =>
    load(
      buf.w.buffer,
      buf.w.dtype,
      ix(tap, [
        [c, Mg * KH * KW],
        [j, KH * KW],
      ]),
    );
  let value: Expr = buf.bias
    ? load(
        buf.bias.buffer,
        buf.bias.dtype,
        ix(0, [
          [c, Mg],
          [j, 1],
        ]),
      )
    : constant(t, 0);
  for (let tap = 0; tap < KH * KW; tap++)
    value = binary('add', t, value, binary('mul', t, wAt(tap), xAt(tap)));
  const conv = nest(
    [
      { v: n, extent: N },
      { v: c, extent: C },
      { v: j, extent: Mg },
      { v: q, extent: span, vectorize: true },
    ],
    [
      store(
        rows,
        rowsDtype,
        ix(0, [
          [n, M * OH * P],
          [c, Mg * OH * P],
          [j, OH * P],
          [q, 1],
        ]),
        convert(t, computeType(rowsDtype), value),
      ),
    ],
    true,
  );
  return [
    ...padded.kernels,
    kernel(ctx, `${p.stem}_dw_flat_${suffix(buf.y.dtype)}`, conv),
    copyOut(ctx, p, { rows, rowsDtype, pitch: P }, buf, epilogue),
  ];
}

/** y[n, m, oh, ow] = epilogue(rows[n, m, oh * P + ow]): the real columns of every row. */
function copyOut(
  ctx: LowerContext,
  p: ConvPlan,
  src: { rows: string; rowsDtype: 'float32' | 'float64'; pitch: number },
  buf: DepthwiseBuffers,
  e: Epilogue,
): Kernel {
  const [, OH, OW] = p.g.output;
  const t: Scalar = computeType(buf.y.dtype);
  const f = ctx.fresh('dwo');
  const [nm, oh, ow] = [levelVar(`${f}m`, p.N * p.M), levelVar(`${f}h`, OH), `${f}w`];
  const yIx = ix(0, [
    [nm, OH * OW],
    [oh, OW],
    [ow, 1],
  ]);
  let v: Expr = convert(
    computeType(src.rowsDtype),
    t,
    load(
      src.rows,
      src.rowsDtype,
      ix(0, [
        [nm, OH * src.pitch],
        [oh, src.pitch],
        [ow, 1],
      ]),
    ),
  );
  if (e.residual)
    v = binary(
      'add',
      t,
      v,
      convert(computeType(e.residual.dtype), t, load(e.residual.buffer, e.residual.dtype, yIx)),
    );
  const x = `${f}x`;
  const local: Expr = { op: 'local', name: x, type: t };
  const body: Stmt[] = [
    { op: 'set', name: x, type: t, value: v },
    store(buf.y.buffer, buf.y.dtype, yIx, e.activation ? activationExpr(e.activation, t, local) : local),
  ];
  const loops = nest(
    [
      { v: nm, extent: p.N * p.M },
      { v: oh, extent: OH },
      { v: ow, extent: OW, vectorize: true },
    ],
    body,
    true,
  );
  return kernel(ctx, `${p.stem}_dw_rows_${suffix(buf.y.dtype)}`, loops);
}
