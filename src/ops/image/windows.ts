import { freshDim } from '../../ir/shape.js';
import { getNumber } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, type AnyOpDef } from '../op.js';
import { encodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { dtypeOfCode } from '../support/dtype-codes.js';

/**
 * Generalized cosine windows (opset 17): w[n] = a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N), with
 * N = size when periodic (the default, for spectral analysis: the window repeats with period
 * size) and N = size - 1 when symmetric. A symmetric window of one sample is [1] as in PyTorch
 * (the formula would divide by zero).
 */
const attrs = { output_datatype: attr.int(1), periodic: attr.int(1) };

function cosineWindow(type: string, a0: number, a1: number, a2: number): AnyOpDef {
  return defineOp({
    type,
    attrs,
    arity: { inputs: [1, 1], outputs: [1, 1] },
    infer(ctx) {
      input(ctx, 0);
      const size = ctx.constants[0];
      const dtype = dtypeOfCode(ctx.attrs.output_datatype);
      return [{ dtype, shape: [size ? getNumber(size, 0) : freshDim('window')] }];
    },
    reference([sizeT], a) {
      if (!sizeT || sizeT.data.length !== 1) throw new OpError(`${type} needs a scalar size`);
      const size = getNumber(sizeT, 0);
      if (!(size >= 0) || !Number.isInteger(size))
        throw new OpError(`${type} size ${size} must be a non-negative integer`);
      const N = a.periodic ? size : size - 1;
      const w = new Float64Array(size);
      if (N === 0) w.fill(1);
      for (let n = 0; n < size && N > 0; n++) {
        const angle = (2 * Math.PI * n) / N;
        w[n] = a0 - a1 * Math.cos(angle) + a2 * Math.cos(2 * angle);
      }
      return [encodeFloats(dtypeOfCode(a.output_datatype), [size], w)];
    },
  });
}

export const hannWindowOp = cosineWindow('HannWindow', 0.5, 0.5, 0);
/** ONNX fixes Hamming's coefficients at 25/46 and 21/46 (not the rounded 0.54 / 0.46). */
export const hammingWindowOp = cosineWindow('HammingWindow', 25 / 46, 21 / 46, 0);
export const blackmanWindowOp = cosineWindow('BlackmanWindow', 0.42, 0.5, 0.08);
