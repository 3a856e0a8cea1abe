import { computeType } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import type { LowerContext, LoweredValue } from '../lowering.js';
import { envOf, inputOf, operandOf, outputOf, type Env } from './common.js';
import { copyDType } from './convert.js';
import { registerMapLowerings, type MapLowering } from './map-registry.js';
import { dtypeName } from './names.js';
import { Num } from './scalar.js';

/**
 * Sum, Mean, Max and Min over 1..N broadcasting inputs: one kernel that folds all inputs left to
 * right per output element (the reference folds whole tensors pairwise; float16/bfloat16 round once
 * here instead of after every step). Max/Min propagate NaN as numpy does, which the IR's float
 * min/max do. One input is the output (a view). Where selects between two broadcast inputs.
 */
type Fold = (acc: Expr, x: Expr, e: Env) => Expr;

const FOLDS: Readonly<Record<string, { fold: Fold; finish?: (acc: Expr, count: number, e: Env) => Expr }>> = {
  Sum: { fold: (acc, x, { n }) => n.add(acc, x) },
  Mean: { fold: (acc, x, { n }) => n.add(acc, x), finish: (acc, count, { n }) => n.div(acc, n.c(count)) },
  Max: { fold: (acc, x, { n }) => n.max(acc, x) },
  Min: { fold: (acc, x, { n }) => n.min(acc, x) },
};

function present(ctx: LowerContext): LoweredValue[] {
  return ctx.inputs.filter((v): v is LoweredValue => v !== undefined);
}

function variadic(op: string): MapLowering {
  const { fold, finish } = FOLDS[op]!;
  return (ctx) => {
    const xs = present(ctx);
    if (xs.length === 1) return { aliasOf: ctx.inputs.indexOf(xs[0]) };
    const dtype = xs[0]!.dtype;
    return {
      op: op.toLowerCase(),
      suffix: `${xs.length}x_${dtypeName(dtype)}`,
      operands: xs.map((x) => operandOf(x)),
      out: outputOf(ctx),
      body: (s, vs) => {
        const e = envOf(ctx, dtype, s);
        let acc = vs[0]!;
        for (let i = 1; i < vs.length; i++) acc = fold(acc, vs[i]!, e);
        return finish ? finish(acc, vs.length, e) : acc;
      },
    };
  };
}

/**
 * Where(c, x, y): pure selection, so halves move as their bits; when auto-cast stores x, y and the
 * output in different float types, values are widened and rounded instead.
 */
const where: MapLowering = (ctx) => {
  const [c, x, y] = [inputOf(ctx, 0), inputOf(ctx, 1), inputOf(ctx, 2)];
  const out = outputOf(ctx);
  if (x.dtype !== out.dtype || y.dtype !== out.dtype) {
    const n = new Num(computeType(out.dtype));
    return {
      op: 'where',
      suffix: `${dtypeName(x.dtype)}_${dtypeName(y.dtype)}_${dtypeName(out.dtype)}`,
      operands: [operandOf(c), operandOf(x), operandOf(y)],
      out,
      body: (_s, [cv, xv, yv]) => n.sel(cv!, xv!, yv!),
    };
  }
  const bits = copyDType(x.dtype);
  const n = new Num(computeType(bits));
  return {
    op: 'where',
    suffix: dtypeName(x.dtype),
    operands: [operandOf(c), operandOf(x, x.shape, bits), operandOf(y, y.shape, bits)],
    out,
    storeAs: bits,
    body: (_s, [cv, xv, yv]) => n.sel(cv!, xv!, yv!),
  };
};

registerMapLowerings({
  Sum: variadic('Sum'),
  Mean: variadic('Mean'),
  Max: variadic('Max'),
  Min: variadic('Min'),
  Where: where,
});
