import { isBigInt } from '../../ir/dtype.js';
import type { TensorType } from '../../ir/shape.js';
import { getNumber, type Tensor } from '../../ir/tensor.js';
import { input } from '../support/infer.js';
import { defineOp, OpError } from '../op.js';
import { unary } from './apply.js';
import { binaryOp } from './define.js';
import { checkDtype, FLOATS, NUMERIC, required } from './types.js';

/**
 * Clip's bounds are optional scalar inputs (attributes before opset 11; the upgrade turns those into
 * float32 constants, so a bound's dtype is not required to equal the input's).
 */
function checkBound(t: TensorType | undefined, what: string): void {
  if (!t?.shape) return;
  if (t.shape.some((d) => typeof d === 'number' && d !== 1)) {
    throw new OpError(`Clip ${what} must be a scalar, found shape [${t.shape.join(',')}]`);
  }
  checkDtype('Clip', t.dtype, NUMERIC, what);
}

function boundBig(t: Tensor): bigint {
  return isBigInt(t.dtype) ? (t.data[0] as bigint) : BigInt(Math.trunc(getNumber(t, 0)));
}

const clip = defineOp({
  type: 'Clip',
  attrs: {},
  arity: { inputs: [1, 3], outputs: [1, 1] },
  infer(ctx): TensorType[] {
    const x = input(ctx, 0);
    checkDtype('Clip', x.dtype, NUMERIC);
    checkBound(ctx.inputs[1], 'min');
    checkBound(ctx.inputs[2], 'max');
    return [x];
  },
  reference(inputs) {
    const x = required(inputs, 0, 'Clip');
    checkDtype('Clip', x.dtype, NUMERIC);
    const [, min, max] = inputs;
    for (const b of [min, max])
      if (b && b.data.length !== 1) throw new OpError('Clip bounds must be scalars');
    // When min > max every element becomes max (spec): apply min first, then max.
    const lo = min ? getNumber(min, 0) : -Infinity;
    const hi = max ? getNumber(max, 0) : Infinity;
    const bigLo = min && isBigInt(x.dtype) ? boundBig(min) : undefined;
    const bigHi = max && isBigInt(x.dtype) ? boundBig(max) : undefined;
    const y = unary('Clip', x, x.dtype, {
      num: (v) => {
        const r = v < lo ? lo : v;
        return r > hi ? hi : r;
      },
      big: (v) => {
        const r = bigLo !== undefined && v < bigLo ? bigLo : v;
        return bigHi !== undefined && r > bigHi ? bigHi : r;
      },
    });
    return [y];
  },
});

// PRelu-16: slope broadcasts to X (unidirectionally: the output keeps X's shape).
const prelu = binaryOp('PRelu', [...FLOATS, 'int32', 'int64', 'uint32', 'uint64'], {}, () => ({
  num: (x, s) => (x < 0 ? s * x : x),
  int: (x, s) => (x < 0 ? Math.imul(s, x) : x),
  big: (x, s) => (x < 0n ? s * x : x),
}));

export const clipOps = [clip, prelu];
