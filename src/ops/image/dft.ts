import { freshDim, type Dim } from '../../ir/shape.js';
import { getNumber, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import { Fft } from './fft.js';

/**
 * DFT (opset 20): inputs signal [..., 1|2] (real, or complex as (re, im) pairs), dft_length and
 * axis (default -2, the last signal dim; DFT-17's axis attribute is moved here by the upgrade).
 * Output is complex [..., 2]. onesided keeps bins 0..n/2 of a forward transform; inverse with
 * onesided is the inverse real FFT: the input is the half spectrum and the output is the real
 * signal [..., n, ..., 1], n = dft_length or 2 * (bins - 1).
 */
const attrs = { inverse: attr.int(0), onesided: attr.int(0) };

function signalAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank - 1) {
    throw new OpError(`DFT axis ${axis} must name a signal dim of a rank-${rank} input (not the last)`);
  }
  return a;
}

function scalarOf(t: Tensor | undefined): number | undefined {
  return t && t.data.length > 0 ? getNumber(t, 0) : undefined;
}

/** Transform length and output bins along the axis. */
function lengths(
  inLen: number,
  dftLength: number | undefined,
  inverse: boolean,
  onesided: boolean,
): [number, number] {
  if (inverse && onesided) {
    const n = dftLength ?? 2 * (inLen - 1);
    return [n, n];
  }
  const n = dftLength ?? inLen;
  return [n, onesided ? Math.floor(n / 2) + 1 : n];
}

export const dftOp = defineOp({
  type: 'DFT',
  attrs,
  arity: { inputs: [1, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const rank = rankOf(x, 'input');
    const shape = x.shape!;
    const inverse = ctx.attrs.inverse !== 0;
    const onesided = ctx.attrs.onesided !== 0;
    const last = inverse && onesided ? 1 : 2;
    if (ctx.inputs[2] && !ctx.constants[2]) {
      return [{ dtype: x.dtype, shape: [...shape.slice(0, -1).map(() => freshDim('dft')), last] }];
    }
    const axis = signalAxis(scalarOf(ctx.constants[2]) ?? -2, rank);
    const inLen = shape[axis]!;
    const dftLength = scalarOf(ctx.constants[1]);
    let bins: Dim;
    if (ctx.inputs[1] && dftLength === undefined) bins = freshDim('dft');
    else if (typeof inLen === 'number' || dftLength !== undefined) {
      bins = lengths(typeof inLen === 'number' ? inLen : 0, dftLength, inverse, onesided)[1];
    } else bins = onesided || inverse ? freshDim('dft') : inLen;
    const out = [...shape];
    out[axis] = bins;
    out[rank - 1] = last;
    return [{ dtype: x.dtype, shape: out }];
  },
  reference([x, dftLength, axisT], a) {
    if (!x) throw new OpError('DFT needs an input');
    const rank = x.shape.length;
    const axis = signalAxis(scalarOf(axisT) ?? -2, rank);
    const comps = x.shape[rank - 1]!;
    if (comps !== 1 && comps !== 2) throw new OpError(`DFT input's last dim must be 1 or 2, found ${comps}`);
    const inverse = a.inverse !== 0;
    const onesided = a.onesided !== 0;
    const inLen = x.shape[axis]!;
    const [n, bins] = lengths(inLen, scalarOf(dftLength), inverse, onesided);
    if (!(n >= 1) || !Number.isInteger(n)) throw new OpError(`DFT length ${n} must be a positive integer`);
    const outComps = inverse && onesided ? 1 : 2;
    const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    const inner = x.shape.slice(axis + 1, rank - 1).reduce((p, d) => p * d, 1);
    const src = decodeFloats(x);
    const out = new Float64Array(outer * bins * inner * outComps);
    const fft = new Fft(n);
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const inStride = inner * comps;
    const outStride = inner * outComps;
    // the inverse real FFT reads only bins 0..n/2 of its half spectrum
    const take = Math.min(inLen, inverse && onesided ? Math.floor(n / 2) + 1 : n);
    const scale = inverse ? 1 / n : 1;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const inBase = (o * inLen * inner + i) * comps;
        const outBase = (o * bins * inner + i) * outComps;
        re.fill(0);
        im.fill(0);
        for (let l = 0; l < take; l++) {
          re[l] = src[inBase + l * inStride]!;
          if (comps === 2) im[l] = src[inBase + l * inStride + 1]!;
        }
        if (inverse && onesided) {
          hermitian(re, im, n);
          fft.transform(re, im, true);
          for (let k = 0; k < n; k++) out[outBase + k * outStride] = re[k]! * scale;
          continue;
        }
        fft.transform(re, im, inverse);
        for (let k = 0; k < bins; k++) {
          out[outBase + k * outStride] = re[k]! * scale;
          out[outBase + k * outStride + 1] = im[k]! * scale;
        }
      }
    }
    const outShape = [...x.shape];
    outShape[axis] = bins;
    outShape[rank - 1] = outComps;
    return [encodeFloats(x.dtype, outShape, out)];
  },
});

/**
 * Completes a half spectrum (bins 0..n/2 filled) by conjugate symmetry. The imaginary parts of
 * the DC and (for even n) Nyquist bins are dropped, as a complex-to-real FFT does.
 */
function hermitian(re: Float64Array, im: Float64Array, n: number): void {
  im[0] = 0;
  if (n % 2 === 0) im[n / 2] = 0;
  for (let k = 1; k < Math.ceil(n / 2); k++) {
    re[n - k] = re[k]!;
    im[n - k] = -im[k]!;
  }
}
