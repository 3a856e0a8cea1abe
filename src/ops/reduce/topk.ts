import { allocate, isBigInt } from '../../ir/dtype.js';
import { freshDim, type Dim } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { decodeFloats } from '../support/float.js';
import { constantNumbers, input, rankOf } from '../support/infer.js';
import { intValues, requireTensor } from './common.js';
import { axisBlock } from './geometry.js';

/**
 * TopK: the k largest (or smallest) elements along an axis and their int64 indices. Equal values
 * keep the lower index first (the spec's tie rule); NaN counts as larger than every number.
 * Results are always sorted, which `sorted=0` allows.
 */
export const topK = defineOp({
  type: 'TopK',
  attrs: { axis: attr.int(-1), largest: attr.int(1), sorted: attr.int(1) },
  arity: { inputs: [2, 2], outputs: [2, 2] },
  infer(ctx) {
    const x = input(ctx, 0);
    if (!x.shape)
      return [
        { dtype: x.dtype, shape: undefined },
        { dtype: 'int64', shape: undefined },
      ];
    const axis = normalizeAxis(ctx.attrs.axis, rankOf(x));
    const k = constantNumbers(ctx, 1);
    if (k && k.length !== 1) throw new OpError(`TopK k must hold one value, found ${k.length}`);
    const dim = x.shape[axis]!;
    if (k && typeof dim === 'number' && (k[0]! < 0 || k[0]! > dim))
      throw new OpError(`TopK k=${k[0]} is out of range for a dim of ${dim}`);
    const shape: Dim[] = [...x.shape];
    shape[axis] = k ? k[0]! : freshDim('topk');
    return [
      { dtype: x.dtype, shape },
      { dtype: 'int64', shape },
    ];
  },
  reference([xIn, kIn], attrs) {
    const x = requireTensor(xIn, 'TopK', 'an input');
    const k = intValues(requireTensor(kIn, 'TopK', 'k'))[0]!;
    const axis = normalizeAxis(attrs.axis, x.shape.length);
    const { outer, reduced: n, inner } = axisBlock(x.shape, axis);
    if (k < 0 || k > n) throw new OpError(`TopK k=${k} is out of range for a dim of ${n}`);
    const keys = isBigInt(x.dtype) ? (x.data as BigInt64Array | BigUint64Array) : decodeFloats(x);
    const shape = [...x.shape];
    shape[axis] = k;
    const values = allocate(x.dtype, outer * k * inner);
    const indices = new BigInt64Array(outer * k * inner);
    const src = x.data as unknown as Record<number, number | bigint>;
    const dst = values as unknown as Record<number, number | bigint>;
    const order = new Array<number>(n);
    const before = attrs.largest
      ? (a: number | bigint, b: number | bigint) => a > b || (a !== a && b === b)
      : (a: number | bigint, b: number | bigint) => a < b || (b !== b && a === a);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        for (let r = 0; r < n; r++) order[r] = r;
        order.sort((ra, rb) => {
          const a = keys[base + ra * inner]!;
          const b = keys[base + rb * inner]!;
          return before(a, b) ? -1 : before(b, a) ? 1 : ra - rb;
        });
        const outBase = o * k * inner + i;
        for (let j = 0; j < k; j++) {
          dst[outBase + j * inner] = src[base + order[j]! * inner]!;
          indices[outBase + j * inner] = BigInt(order[j]!);
        }
      }
    }
    return [{ dtype: x.dtype, shape, data: values } as Tensor, { dtype: 'int64', shape, data: indices }];
  },
});
