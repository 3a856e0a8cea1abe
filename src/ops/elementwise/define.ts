import type { DType } from '../../ir/dtype.js';
import type { AttrSchema, ParsedAttrs } from '../attributes.js';
import { reshapeTensor } from '../../ir/tensor.js';
import { input } from '../support/infer.js';
import { defineOp, type OpDef } from '../op.js';
import { binary, unary, type BinaryKernel, type UnaryKernel } from './apply.js';
import {
  broadcastTypes,
  checkDtype,
  inferUnary,
  LEGACY_AXIS,
  legacyAlign,
  required,
  sharedDtype,
} from './types.js';

const ONE = { inputs: [1, 1], outputs: [1, 1] } as const;
const TWO = { inputs: [2, 2], outputs: [1, 1] } as const;

/**
 * A one-input elementwise op: output of the input's shape, and of its dtype unless `out` is given
 * (bool for predicates). `make` builds the scalar kernel once per call from the attributes.
 */
export function unaryOp<S extends AttrSchema>(
  type: string,
  dtypes: readonly DType[],
  attrs: S,
  make: (a: ParsedAttrs<S>, dtype: DType) => UnaryKernel,
  out?: DType,
): OpDef<S> {
  return defineOp({
    type,
    attrs,
    arity: ONE,
    infer: inferUnary(type, dtypes, out),
    reference(inputs, a) {
      const x = required(inputs, 0, type);
      checkDtype(type, x.dtype, dtypes);
      return [unary(type, x, out ?? x.dtype, make(a, x.dtype))];
    },
  });
}

// the generic attribute type of binaryOp does not resolve the member's type
const legacyAxis = (a: unknown) => (a as { readonly legacy_axis?: number }).legacy_axis;

/**
 * A two-input numpy-broadcasting op over one shared dtype T; output T, or `out` (bool for comparisons).
 * `legacy_axis` is internal: the upgrade of opset < 7 nodes sets it for `broadcast=1 axis=k`.
 */
export function binaryOp<S extends AttrSchema>(
  type: string,
  dtypes: readonly DType[],
  attrs: S,
  make: (a: ParsedAttrs<S>, dtype: DType) => BinaryKernel,
  out?: DType,
) {
  return defineOp({
    type,
    attrs: { ...attrs, legacy_axis: LEGACY_AXIS },
    arity: TWO,
    infer(ctx) {
      const [x, y] = [input(ctx, 0), input(ctx, 1)];
      const dtype = sharedDtype(type, [x, y]);
      checkDtype(type, dtype, dtypes);
      const yShape = x.shape && y.shape ? legacyAlign(x.shape, y.shape, legacyAxis(ctx.attrs)) : y.shape;
      return [{ dtype: out ?? dtype, shape: broadcastTypes([x, { dtype, shape: yShape }]) }];
    },
    reference(inputs, a) {
      const x = required(inputs, 0, type);
      const y = required(inputs, 1, type);
      const dtype = sharedDtype(type, [x, y]);
      checkDtype(type, dtype, dtypes);
      const yAligned = reshapeTensor(y, legacyAlign(x.shape, y.shape, legacyAxis(a)));
      return [binary(type, x, yAligned, out ?? dtype, make(a, dtype))];
    },
  });
}
