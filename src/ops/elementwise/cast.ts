import { allocate, byteSize, type DType } from '../../ir/dtype.js';
import { tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { input } from '../support/infer.js';
import { defineOp, OpError, OpUnsupported } from '../op.js';
import { convertTensor } from './convert.js';
import { dtypeFromCode } from '../support/dtype-codes.js';
import { ALL, checkDtype, required } from './types.js';

export function dtypeOfOnnxCode(op: string, code: number | undefined): DType {
  if (code === undefined) throw new OpError(`${op} requires the 'to' attribute`);
  const d = dtypeFromCode(code);
  if (!d)
    throw new OpUnsupported(
      `${op} to ONNX data type ${code} (string, complex, 8/4/2-bit types) is not supported`,
    );
  return d;
}

// `saturate` only concerns float8 targets, which we do not have; `round_mode` only float8e8m0.
const cast = defineOp({
  type: 'Cast',
  attrs: { to: attr.int(), saturate: attr.int(1), round_mode: attr.string('up') },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    checkDtype('Cast', x.dtype, ALL);
    return [{ dtype: dtypeOfOnnxCode('Cast', ctx.attrs.to), shape: x.shape }];
  },
  reference(inputs, a) {
    return [convertTensor(required(inputs, 0, 'Cast'), dtypeOfOnnxCode('Cast', a.to))];
  },
});

const castLike = defineOp({
  type: 'CastLike',
  attrs: { saturate: attr.int(1), round_mode: attr.string('up') },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  shapeOnlyInputs: [1],
  infer(ctx) {
    const x = input(ctx, 0);
    checkDtype('CastLike', x.dtype, ALL);
    return [{ dtype: input(ctx, 1).dtype, shape: x.shape }];
  },
  reference(inputs) {
    return [convertTensor(required(inputs, 0, 'CastLike'), required(inputs, 1, 'CastLike').dtype)];
  },
});

function bitcastTarget(from: DType, code: number | undefined): DType {
  const to = dtypeOfOnnxCode('BitCast', code);
  if (byteSize(to) !== byteSize(from)) {
    throw new OpError(
      `BitCast from ${from} to ${to} changes the element size (${byteSize(from)} vs ${byteSize(to)} bytes)`,
    );
  }
  return to;
}

/** BitCast-26: the same little-endian bytes read as another type of the same width. */
const bitCast = defineOp({
  type: 'BitCast',
  attrs: { to: attr.int() },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    return [{ dtype: bitcastTarget(x.dtype, ctx.attrs.to), shape: x.shape }];
  },
  reference(inputs, a) {
    const x = required(inputs, 0, 'BitCast');
    const to = bitcastTarget(x.dtype, a.to);
    const out = allocate(to, x.data.length);
    new Uint8Array(out.buffer).set(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    return [tensor(to, x.shape, out)];
  },
});

export const castOps = [cast, castLike, bitCast];
