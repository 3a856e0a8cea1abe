import { isFloat, type DType } from '../../../ir/dtype.js';
import { reductionAxes } from '../../../ops/reduce/geometry.js';
import {
  binary,
  computeType,
  constant,
  convert,
  isUnsignedDType,
  load,
  store,
  unary,
} from '../../kernel/build.js';
import type { Expr, Scalar, Stmt } from '../../kernel/ir.js';
import type { Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  constantInts,
  dtypeTag,
  finiteOr0,
  highest,
  input,
  lowest,
  one,
  output,
  rowsOf,
  zero,
} from './common.js';
import { rowKernel, scalarDtype, STAT, X, type Acc, type At, type Pass } from './rows.js';

/**
 * The Reduce* ops: an element map, an associative combine and a final map over the row layout.
 * Floats accumulate in f32 (f64 for float64); integers in their own width (wrapping as the
 * reference's typed-array stores do), except means (i64, then one division) and the ops that end
 * in sqrt/log (f64, saturating back to the integer type as the reference clamps).
 */
type Combine = 'sum' | 'prod' | 'max' | 'min';

interface Kind {
  readonly tag: string;
  readonly pre: 'none' | 'abs' | 'square';
  readonly combine: Combine;
  readonly post: 'none' | 'mean' | 'sqrt' | 'log';
}

const KINDS: Readonly<Record<string, Kind>> = {
  ReduceSum: { tag: 'sum', pre: 'none', combine: 'sum', post: 'none' },
  ReduceMean: { tag: 'mean', pre: 'none', combine: 'sum', post: 'mean' },
  ReduceMax: { tag: 'max', pre: 'none', combine: 'max', post: 'none' },
  ReduceMin: { tag: 'min', pre: 'none', combine: 'min', post: 'none' },
  ReduceProd: { tag: 'prod', pre: 'none', combine: 'prod', post: 'none' },
  ReduceL1: { tag: 'l1', pre: 'abs', combine: 'sum', post: 'none' },
  ReduceL2: { tag: 'l2', pre: 'square', combine: 'sum', post: 'sqrt' },
  ReduceLogSum: { tag: 'logsum', pre: 'none', combine: 'sum', post: 'log' },
  ReduceSumSquare: { tag: 'sumsquare', pre: 'square', combine: 'sum', post: 'none' },
};

interface ReduceAttrs {
  readonly keepdims: number;
  readonly noop_with_empty_axes: number;
}

/** Whether accumulating in a buffer of `dtype` with `type` arithmetic loses nothing. */
function storesExactly(type: Scalar, dtype: DType): boolean {
  return (
    scalarDtype(type) === dtype ||
    (type === 'i32' && dtype === 'uint32') ||
    (type === 'i64' && dtype === 'uint64')
  );
}

/** The reduced axes, or undefined for the no-op (output is the input). */
function axesOf(ctx: Parameters<Lowering>[0]): Set<number> | undefined {
  const attrs = ctx.attrs as unknown as ReduceAttrs;
  const x = input(ctx, 0, 'an input');
  const axes = ctx.inputs[1] ? constantInts(ctx, 1, 'axes') : [];
  if (axes.length === 0 && attrs.noop_with_empty_axes) return undefined;
  return reductionAxes(axes, x.shape.length);
}

function lowerReduce(kind: Kind): Lowering {
  return (ctx) => {
    const axes = axesOf(ctx);
    if (!axes) return { aliasOf: 0 };
    const x = input(ctx, 0, 'an input');
    const out = output(ctx);
    const unsigned = isUnsignedDType(x.dtype);
    const xType = computeType(x.dtype);
    let type = xType;
    if (!isFloat(x.dtype) && (kind.post === 'sqrt' || kind.post === 'log')) type = 'f64';
    if (!isFloat(x.dtype) && kind.post === 'mean') type = 'i64';
    const rows = rowsOf(x.shape, (d) => axes.has(d));
    const count = x.shape.reduce((n, d, i) => (axes.has(i) ? n * d : n), 1);

    const element = (at: At): Expr => {
      const e = convert(xType, type, load(x.buffer, x.dtype, at.index(X)), unsigned);
      if (kind.pre === 'abs') return unary('abs', type, e);
      if (kind.pre === 'square') return binary('mul', type, e, e);
      return e;
    };
    const identity = (): Expr => {
      if (kind.combine === 'sum') return zero(type);
      if (kind.combine === 'prod') return one(type);
      return kind.combine === 'max' ? lowest(x.dtype) : highest(x.dtype);
    };
    const fn = kind.combine === 'sum' ? 'add' : kind.combine === 'prod' ? 'mul' : kind.combine;
    const finish = (acc: Expr): Expr => {
      switch (kind.post) {
        case 'none':
          return acc;
        case 'sqrt':
          return unary('sqrt', type, acc);
        case 'log':
          return unary('log', type, acc);
        case 'mean':
          // integer division by a zero count would trap; the reference gives 0 there
          if (type === 'i64' && count === 0) return zero(type);
          return binary('div', type, acc, constant(type, type === 'i64' ? BigInt(count) : count), unsigned);
      }
    };
    const inPlace = rows.inner !== undefined && storesExactly(type, out.dtype);
    const acc: Acc = {
      name: 'acc',
      type,
      init: identity,
      ...(inPlace ? { buffer: { name: out.buffer, dtype: out.dtype } } : {}),
    };
    const fold: Pass = {
      kind: 'reduce',
      accs: [acc],
      body: (at) => [at.assign('acc', binary(fn, type, at.acc('acc'), element(at), unsigned))],
    };
    const write: Pass = {
      kind: 'row',
      body: (at): Stmt[] => {
        if (inPlace) return kind.post === 'none' ? [] : [at.assign('acc', finish(at.acc('acc')))];
        const v = convert(type, computeType(out.dtype), finish(at.acc('acc')), unsigned);
        return [store(out.buffer, out.dtype, at.index(STAT), v)];
      },
    };
    const variant = rows.inner ? 'inner' : 'rows';
    const kernel = rowKernel(ctx, `reduce_${kind.tag}_${variant}_${dtypeTag(x.dtype)}`, rows, [fold, write], {
      reads: [x.buffer],
      writes: [out.buffer],
    });
    return { kernels: [kernel] };
  };
}

/** log(sum(exp(x - max))) + max, the max taken first so large inputs do not overflow. */
const reduceLogSumExp: Lowering = (ctx) => {
  const axes = axesOf(ctx);
  if (!axes) return { aliasOf: 0 };
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const unsigned = isUnsignedDType(x.dtype);
  const xType = computeType(x.dtype);
  const type: Scalar = isFloat(x.dtype) ? xType : 'f64';
  const rows = rowsOf(x.shape, (d) => axes.has(d));
  const element = (at: At): Expr => convert(xType, type, load(x.buffer, x.dtype, at.index(X)), unsigned);
  const max = (at: At): Expr => finiteOr0(type, at.acc('max'));
  const passes: Pass[] = [
    {
      kind: 'reduce',
      accs: [{ name: 'max', type, init: () => constant(type, -Infinity) }],
      body: (at) => [at.assign('max', binary('max', type, at.acc('max'), element(at)))],
    },
    {
      kind: 'reduce',
      accs: [{ name: 'sum', type, init: () => zero(type) }],
      body: (at) => [
        at.assign(
          'sum',
          binary('add', type, at.acc('sum'), unary('exp', type, binary('sub', type, element(at), max(at)))),
        ),
      ],
    },
    {
      kind: 'row',
      body: (at) => {
        const v = binary('add', type, unary('log', type, at.acc('sum')), max(at));
        return [
          store(out.buffer, out.dtype, at.index(STAT), convert(type, computeType(out.dtype), v, unsigned)),
        ];
      },
    },
  ];
  const variant = rows.inner ? 'inner' : 'rows';
  const kernel = rowKernel(ctx, `reduce_logsumexp_${variant}_${dtypeTag(x.dtype)}`, rows, passes, {
    reads: [x.buffer],
    writes: [out.buffer],
  });
  return { kernels: [kernel] };
};

registerLowerings({
  ...Object.fromEntries(Object.entries(KINDS).map(([op, kind]) => [op, lowerReduce(kind)])),
  ReduceLogSumExp: reduceLogSumExp,
});
