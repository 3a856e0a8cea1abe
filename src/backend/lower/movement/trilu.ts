import { getNumber } from '../../../ir/tensor.js';
import { OpError } from '../../../ops/op.js';
import { binary, compare, computeType, constant, convert, load, select, store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import type { LowerContext, Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  bitsDType,
  copyNest,
  fillNest,
  indexType,
  inputOf,
  kernelOf,
  kernelsOf,
  outputOf,
  rawConstant,
  widthName,
} from './common.js';
import { emitNest, type Nest } from './nest.js';

/**
 * Trilu keeps j >= i + k (upper) or j <= i + k (lower) of every matrix and zeroes the rest. With a
 * constant k the rows are cut into blocks: each block is a rectangle to zero, a rectangle to copy,
 * and between them a band (at most a block wide) where a per-element test decides. Blocks are one
 * row each for small matrices, so the test vanishes; large ones take ~32 blocks.
 */

const BLOCKS = 32;

function trilu(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Trilu input');
  const out = outputOf(ctx);
  const rank = x.shape.length;
  if (rank < 2) throw new OpError('Trilu input must have rank >= 2');
  const [rows, cols] = [x.shape[rank - 2]!, x.shape[rank - 1]!];
  const mats = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const upper = (ctx.attrs.upper as number) !== 0;
  const name = `trilu_${upper ? 'upper' : 'lower'}_${widthName(x.dtype)}`;
  if (mats * rows * cols === 0) return { kernels: [] };
  const kIn = ctx.inputs[1];
  if (kIn && !kIn.constant) return runtimeK(ctx, name, mats, rows, cols, upper);
  const k = kIn?.constant ? getNumber(kIn.constant, 0) : 0;
  // first kept column (upper) or first zeroed column (lower) of row i
  const bound = (i: number) => Math.min(cols, Math.max(0, upper ? i + k : i + k + 1));
  const blockRows = Math.max(1, Math.ceil(rows / BLOCKS));
  const zero = rawConstant(x.dtype, 0);
  const bits = bitsDType(x.dtype);
  const body: Stmt[] = [];
  const rect = (r0: number, n: number, c0: number, width: number): Nest => ({
    extents: [mats, n, width],
    accesses: [0, 1].map(() => ({ offset: r0 * cols + c0, strides: [rows * cols, cols, 1] })),
  });
  for (let r0 = 0; r0 < rows;) {
    let r1 = r0 + 1;
    while (r1 < rows && bound(r1) === bound(r0)) r1++;
    if (r1 - r0 === 1) r1 = Math.min(rows, r0 + blockRows);
    const [lo, hi] = [bound(r0), bound(r1 - 1)];
    const [zeroFrom, zeroTo, keepFrom, keepTo] = upper ? [0, lo, hi, cols] : [hi, cols, 0, lo];
    body.push(
      ...fillNest(out.buffer, bits, zero, rect(r0, r1 - r0, zeroFrom, zeroTo - zeroFrom), ctx.fresh('z')),
    );
    body.push(
      ...copyNest(
        out.buffer,
        x.buffer,
        x.dtype,
        rect(r0, r1 - r0, keepFrom, keepTo - keepFrom),
        ctx.fresh('k'),
      ),
    );
    if (hi > lo) {
      // j - i against k shifted into the band's own coordinates
      const diag = constant('i32', r0 + k - lo);
      body.push(
        ...band(
          out.buffer,
          x.buffer,
          bits,
          zero,
          rect(r0, r1 - r0, lo, hi - lo),
          upper,
          diag,
          ctx.fresh('b'),
        ),
      );
    }
    r0 = r1;
  }
  return { kernels: kernelsOf(ctx, name, body) };
}

/** Keeps (j - i >= diag) or (j - i <= diag) per element of a [mats, rows, cols] nest, zero elsewhere. */
function band(
  dst: string,
  src: string,
  bits: ReturnType<typeof bitsDType>,
  zero: Expr,
  nest: Nest,
  upper: boolean,
  diag: Expr,
  prefix: string,
): Stmt[] {
  const keep =
    nest.extents[0] === 1
      ? {
          extents: nest.extents.slice(1),
          accesses: nest.accesses.map((a) => ({ offset: a.offset, strides: a.strides.slice(1) })),
        }
      : nest;
  const type = computeType(bits);
  return emitNest(
    keep,
    prefix,
    ([d, s], vars) => {
      const [i, j] = vars.slice(-2).map((name): Expr => ({ op: 'var', name }));
      const cond = compare(upper ? 'ge' : 'le', 'i32', binary('sub', 'i32', j!, i!), diag);
      return [store(dst, bits, d!, select(type, cond, load(src, bits, s!), zero))];
    },
    { vectorize: true, parallel: true },
  );
}

/** k known only at run time: the per-element test everywhere, k clamped so it fits an i32 compare. */
function runtimeK(
  ctx: LowerContext,
  name: string,
  mats: number,
  rows: number,
  cols: number,
  upper: boolean,
): Lowered {
  const x = inputOf(ctx, 0, 'Trilu input');
  const kIn = inputOf(ctx, 1, 'Trilu k');
  const out = outputOf(ctx);
  const t = indexType(kIn.dtype, 'Trilu k');
  const lim = rows + cols;
  const c = (n: number): Expr => constant(t, t === 'i64' ? BigInt(n) : n);
  const kv = binary(
    'min',
    t,
    binary('max', t, load(kIn.buffer, kIn.dtype, { terms: [], offset: 0 }), c(-lim)),
    c(lim),
  );
  const nest: Nest = {
    extents: [mats, rows, cols],
    accesses: [0, 1].map(() => ({ offset: 0, strides: [rows * cols, cols, 1] })),
  };
  const bits = bitsDType(x.dtype);
  // k is read where it is compared: a uniform expression the renderer evaluates once per vector step
  const k = convert(t, 'i32', kv);
  const body = band(out.buffer, x.buffer, bits, rawConstant(x.dtype, 0), nest, upper, k, ctx.fresh('b'));
  return { kernels: [kernelOf(ctx, `${name}_dynamic`, body, [x.buffer, kIn.buffer], [out.buffer])] };
}

registerLowerings({ Trilu: trilu });
