import { allocate, type DType } from '../../ir/dtype.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { input } from '../support/infer.js';
import { defineOp, OpError } from '../op.js';
import { binary, unary, type BinaryKernel } from './apply.js';
import { convertTensor } from './convert.js';
import { planWalk, select, type Readable, type Writable } from './walk.js';
import { ALL, broadcastTypes, checkDtype, FLOATS, NUMERIC, sharedDtype } from './types.js';

const MANY = { inputs: [1, Number.MAX_SAFE_INTEGER], outputs: [1, 1] } as const;

function present(inputs: readonly (Tensor | undefined)[], op: string): Tensor[] {
  const ts = inputs.filter((t): t is Tensor => t !== undefined);
  if (ts.length === 0) throw new OpError(`${op} needs at least one input`);
  return ts;
}

/** A left fold of a broadcasting binary kernel over 1..N inputs (Sum, Max, Min; Mean divides after). */
function variadic(
  type: string,
  dtypes: readonly DType[],
  k: BinaryKernel,
  finish?: (sum: Tensor, n: number) => Tensor,
) {
  return defineOp({
    type,
    attrs: {},
    arity: MANY,
    infer(ctx) {
      ctx.inputs.forEach((_, i) => input(ctx, i));
      const dtype = sharedDtype(type, ctx.inputs);
      checkDtype(type, dtype, dtypes);
      return [{ dtype, shape: broadcastTypes(ctx.inputs) }];
    },
    reference(inputs) {
      const ts = present(inputs, type);
      const dtype = sharedDtype(type, ts);
      checkDtype(type, dtype, dtypes);
      let acc = ts.length === 1 ? convertTensor(ts[0]!, dtype) : ts[0]!; // one input: a copy
      for (let i = 1; i < ts.length; i++) acc = binary(type, acc, ts[i]!, dtype, k);
      return [finish ? finish(acc, ts.length) : acc];
    },
  });
}

// numpy.maximum/minimum: a NaN on either side wins
const max: BinaryKernel = { num: (x, y) => (x > y || x !== x ? x : y), big: (x, y) => (x > y ? x : y) };
const min: BinaryKernel = { num: (x, y) => (x < y || x !== x ? x : y), big: (x, y) => (x < y ? x : y) };

const where = defineOp({
  type: 'Where',
  attrs: {},
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer(ctx) {
    const c = input(ctx, 0);
    checkDtype('Where', c.dtype, ['bool'], 'condition');
    const dtype = sharedDtype('Where', [input(ctx, 1), input(ctx, 2)]);
    checkDtype('Where', dtype, ALL);
    return [{ dtype, shape: broadcastTypes(ctx.inputs) }];
  },
  reference(inputs) {
    const [c, x, y] = inputs;
    if (!c || !x || !y) throw new OpError('Where needs condition, X and Y');
    const dtype = sharedDtype('Where', [x, y]);
    const w = planWalk([c.shape, x.shape, y.shape]);
    const out = allocate(dtype, w.size);
    // halves are bit patterns and bigints are bigints: selection moves either unchanged
    select(
      c.data as Readable<number>,
      x.data as Readable<number>,
      y.data as Readable<number>,
      out as Writable<number>,
      w,
    );
    return [tensor(dtype, w.shape, out)];
  },
});

export const variadicOps = [
  variadic('Sum', NUMERIC, { num: (x, y) => x + y, big: (x, y) => x + y }),
  variadic('Mean', FLOATS, { num: (x, y) => x + y }, (sum, n) =>
    unary('Mean', sum, sum.dtype, { num: (x) => x / n }),
  ),
  variadic('Max', NUMERIC, max),
  variadic('Min', NUMERIC, min),
  where,
];
