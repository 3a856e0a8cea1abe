import type { DType } from '../../ir/dtype.js';
import type { AttrSchema, ParsedAttrs } from '../attributes.js';
import { defineOp, type OpDef } from '../op.js';
import { binary, unary, type BinaryKernel, type UnaryKernel } from './apply.js';
import { checkDtype, inferBroadcast, inferUnary, required, sharedDtype } from './types.js';

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

/** A two-input numpy-broadcasting op over one shared dtype T; output T, or `out` (bool for comparisons). */
export function binaryOp<S extends AttrSchema>(
  type: string,
  dtypes: readonly DType[],
  attrs: S,
  make: (a: ParsedAttrs<S>, dtype: DType) => BinaryKernel,
  out?: DType,
): OpDef<S> {
  return defineOp({
    type,
    attrs,
    arity: TWO,
    infer: inferBroadcast(type, dtypes, out),
    reference(inputs, a) {
      const x = required(inputs, 0, type);
      const y = required(inputs, 1, type);
      const dtype = sharedDtype(type, [x, y]);
      checkDtype(type, dtype, dtypes);
      return [binary(type, x, y, out ?? dtype, make(a, dtype))];
    },
  });
}
