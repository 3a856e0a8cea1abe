import { isBigInt, type DType } from '../../../ir/dtype.js';
import { getNumber, type Tensor } from '../../../ir/tensor.js';
import { Constant } from '../../../ops/movement/constant.js';
import type { ParsedAttrs } from '../../../ops/attributes.js';
import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  isUnsignedDType,
  load,
  select,
  store,
  unary,
} from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  bitsDType,
  copyNest,
  dtypeName,
  fillNest,
  inputOf,
  kernelOf,
  kernelsOf,
  outputOf,
  rawConstant,
  widthName,
} from './common.js';
import { emitNormalized, rowMajor, type Nest } from './nest.js';

/**
 * Ops that create values rather than move them: ConstantOfShape, Constant, EyeLike, Range, Shape,
 * Size and OneHot. Most fold at compile time; these kernels exist for graphs where they do not.
 */

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const flat = (n: number): Nest => ({ extents: [n], accesses: [{ offset: 0, strides: [1] }] });

/** A kernel that fills the output with one raw storage value. */
function fillKernel(ctx: LowerContext, name: string, dtype: DType, raw: number | bigint): Lowered {
  const out = outputOf(ctx);
  const body = fillNest(
    out.buffer,
    bitsDType(dtype),
    rawConstant(dtype, raw),
    flat(sizeOf(out.shape)),
    ctx.fresh('f'),
  );
  return { kernels: [kernelOf(ctx, `${name}_${widthName(dtype)}`, body, [], [out.buffer])] };
}

function constantOfShape(ctx: LowerContext): Lowered {
  const value = ctx.attrs.value as Tensor;
  return fillKernel(ctx, 'constantofshape', value.dtype, value.data[0]!);
}

/** A uniform value is a fill; anything else is copied from a constant buffer. */
function constantOp(ctx: LowerContext): Lowered {
  const [t] = Constant.reference([], ctx.attrs as ParsedAttrs<typeof Constant.attrs>, 1) as [Tensor];
  const out = outputOf(ctx);
  const n = t.data.length;
  if (n === 0) return { kernels: [] };
  const first = t.data[0]!;
  let uniform = true;
  for (let i = 1; i < n && uniform; i++) uniform = t.data[i] === first;
  if (uniform) return fillKernel(ctx, 'constant_fill', t.dtype, first);
  const c = ctx.constant(t, 'value');
  const body = copyNest(
    out.buffer,
    c,
    t.dtype,
    {
      extents: [n],
      accesses: [
        { offset: 0, strides: [1] },
        { offset: 0, strides: [1] },
      ],
    },
    ctx.fresh('c'),
  );
  return { kernels: [kernelOf(ctx, `constant_copy_${widthName(t.dtype)}`, body, [c], [out.buffer])] };
}

/** int64 stores of values known now (Shape, Size). */
function int64Kernel(ctx: LowerContext, name: string, values: readonly number[]): Lowered {
  const out = outputOf(ctx);
  const body = values.map((v, i) =>
    store(out.buffer, 'int64', { terms: [], offset: i }, constant('i64', BigInt(v))),
  );
  return { kernels: [kernelOf(ctx, name, body, [], [out.buffer])] };
}

function shape(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'Shape input');
  const rank = x.shape.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const s = clamp(ctx.attrs.start as number);
  const e = Math.max(s, clamp((ctx.attrs.end as number | undefined) ?? rank));
  return int64Kernel(ctx, 'shape_i64', x.shape.slice(s, e));
}

function size(ctx: LowerContext): Lowered {
  return int64Kernel(ctx, 'size_i64', [sizeOf(inputOf(ctx, 0, 'Size input').shape)]);
}

/** Zeros, then ones along diagonal k: a fill and a strided store. */
function eyeLike(ctx: LowerContext): Lowered {
  const out = outputOf(ctx);
  const [rows, cols] = out.shape as [number, number];
  const k = ctx.attrs.k as number;
  const bits = bitsDType(out.dtype);
  const body = fillNest(out.buffer, bits, rawConstant(out.dtype, 0), flat(rows * cols), ctx.fresh('z'));
  const first = Math.max(0, -k);
  const count = Math.max(0, Math.min(rows, cols - k) - first);
  const type = computeType(out.dtype);
  const one = constant(type, type === 'i64' ? 1n : 1);
  const diag = { extents: [count], accesses: [{ offset: first * cols + first + k, strides: [cols + 1] }] };
  body.push(...fillNest(out.buffer, out.dtype, one, diag, ctx.fresh('d')));
  return { kernels: kernelsOf(ctx, `eyelike_${dtypeName(out.dtype)}`, body) };
}

/**
 * out[i] = start + i * delta, computed the way the reference does: exactly in int64, in f64 then
 * rounded once for floats (halves go through float32 as the reference's encoding does).
 */
function range(ctx: LowerContext): Lowered {
  const [start, , delta] = [0, 1, 2].map((i) => inputOf(ctx, i, 'Range input'));
  const out = outputOf(ctx);
  const s = start!.constant;
  const d = delta!.constant;
  if (!s || !d) throw new LoweringUnsupported('Range start and delta must be compile-time constants');
  const dtype = out.dtype;
  const v = `${ctx.fresh('r')}i`;
  const i: Expr = { op: 'var', name: v };
  let value: Expr;
  if (isBigInt(dtype)) {
    const [s0, d0] = [BigInt(s.data[0]!), BigInt(d.data[0]!)];
    value = binary(
      'add',
      'i64',
      constant('i64', s0),
      binary('mul', 'i64', convert('i32', 'i64', i), constant('i64', d0)),
    );
  } else {
    const exact = binary(
      'add',
      'f64',
      constant('f64', getNumber(s, 0)),
      binary('mul', 'f64', convert('i32', 'f64', i), constant('f64', getNumber(d, 0))),
    );
    const type = computeType(dtype);
    value =
      type === 'i32' ? convert('i64', 'i32', convert('f64', 'i64', exact)) : convert('f64', type, exact);
  }
  const n = sizeOf(out.shape);
  const body: Stmt[] =
    n === 0
      ? []
      : [
          {
            op: 'loop',
            v,
            extent: n,
            body: [store(out.buffer, dtype, { terms: [{ v, stride: 1 }], offset: 0 }, value)],
            vectorize: true,
            parallel: true,
          },
        ];
  return { kernels: [kernelOf(ctx, `range_${dtypeName(dtype)}`, body, [], [out.buffer])] };
}

/**
 * out[o, d, i] = indices[o, i] == d (negative indices counted from depth) ? on : off, one pass over
 * the output with the index axis outside the contiguous inner axes.
 */
function oneHot(ctx: LowerContext): Lowered {
  const ind = inputOf(ctx, 0, 'OneHot indices');
  const values = inputOf(ctx, 2, 'OneHot values');
  const out = outputOf(ctx);
  const rank = out.shape.length;
  const a = (ctx.attrs.axis as number) < 0 ? (ctx.attrs.axis as number) + rank : (ctx.attrs.axis as number);
  const depth = out.shape[a]!;
  const outer = sizeOf(out.shape.slice(0, a));
  const inner = sizeOf(out.shape.slice(a + 1));
  if (outer * depth * inner === 0) return { kernels: [] };
  const t = computeType(ind.dtype);
  const unsigned = isUnsignedDType(ind.dtype);
  const bits = bitsDType(values.dtype);
  const vt = computeType(bits);
  const p = ctx.fresh('oh');
  // on and off sit at fixed addresses: uniform loads, read once per vector step
  const [off, on] = [0, 1].map((offset) => load(values.buffer, bits, { terms: [], offset }));
  // the third access counts along the index axis: it keeps that axis a loop of its own (no dim can
  // merge with it) and names the loop variable that is d
  const nest: Nest = {
    extents: [outer, depth, inner],
    accesses: [
      { offset: 0, strides: rowMajor([outer, depth, inner]) },
      { offset: 0, strides: [inner, 0, 1] },
      { offset: 0, strides: [0, 1, 0] },
    ],
  };
  const body = emitNormalized(
    nest,
    p,
    ([o, x, dIx]) => {
      const dVar = dIx!.terms[0] ? ({ op: 'var', name: dIx!.terms[0].v } as Expr) : constant('i32', 0);
      let idx = load(ind.buffer, ind.dtype, x!);
      if (t === 'f32' || t === 'f64') idx = unary('trunc', t, idx);
      const d = convert('i32', t, dVar);
      const wrapped = convert('i32', t, binary('sub', 'i32', dVar, constant('i32', depth)));
      // x == d, or a negative x == d - depth; unsigned indices are never negative
      const hit = unsigned
        ? compare('eq', t, idx, d)
        : binary('or', 'i32', compare('eq', t, idx, d), compare('eq', t, idx, wrapped));
      return [store(out.buffer, bits, o!, select(vt, hit, on!, off!))];
    },
    { vectorize: true, parallel: true },
  );
  const name = `onehot_${dtypeName(ind.dtype)}_${widthName(values.dtype)}`;
  return { kernels: [kernelOf(ctx, name, body)] };
}

registerLowerings({
  ConstantOfShape: constantOfShape,
  Constant: constantOp,
  EyeLike: eyeLike,
  Range: range,
  Shape: shape,
  Size: size,
  OneHot: oneHot,
});
