import { freshDim, type Dim } from '../../ir/shape.js';
import { getNumber, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { encodeFloats } from '../support/float.js';
import { dtypeOfCode } from '../support/dtype-codes.js';

/**
 * MelWeightMatrix (opset 17): [dft_length / 2 + 1, num_mel_bins] triangular filters that map a
 * onesided spectrum to mel bands. The band edges follow the ONNX reference exactly, including its
 * quirks: the mel range is split into num_mel_bins + 2 steps (not + 1), edges are floored to
 * spectrum bins with (dft_length + 1) * hz / sample_rate, and the mel scale of the (float32) edge
 * frequencies is computed in float32.
 */
const attrs = { output_datatype: attr.int(1) };

const f = Math.fround;

function scalar(t: Tensor | undefined, name: string): number {
  if (!t || t.data.length !== 1) throw new OpError(`MelWeightMatrix ${name} must be a scalar`);
  return getNumber(t, 0);
}

function hzToMel(hz: number, f32: boolean): number {
  return f32 ? f(2595 * f(Math.log10(f(1 + f(hz / 700))))) : 2595 * Math.log10(1 + hz / 700);
}

export const melWeightMatrixOp = defineOp({
  type: 'MelWeightMatrix',
  attrs,
  arity: { inputs: [5, 5], outputs: [1, 1] },
  infer(ctx) {
    const bins = ctx.constants[0];
    const dft = ctx.constants[1];
    const shape: Dim[] = [
      dft ? Math.floor(getNumber(dft, 0) / 2) + 1 : freshDim('spectrum'),
      bins ? getNumber(bins, 0) : freshDim('mel'),
    ];
    return [{ dtype: dtypeOfCode(ctx.attrs.output_datatype), shape }];
  },
  reference([binsT, dftT, rateT, lowT, highT], a) {
    const numMel = scalar(binsT, 'num_mel_bins');
    const dftLength = scalar(dftT, 'dft_length');
    const rate = scalar(rateT, 'sample_rate');
    const f32 = lowT?.dtype !== 'float64';
    const lowMel = hzToMel(scalar(lowT, 'lower_edge_hertz'), f32);
    const highMel = hzToMel(scalar(highT, 'upper_edge_hertz'), f32);
    if (!(numMel >= 0 && dftLength >= 1 && rate > 0))
      throw new OpError('MelWeightMatrix sizes must be positive');
    const spectrum = Math.floor(dftLength / 2) + 1;
    const step = f32 ? f((highMel - lowMel) / (numMel + 2)) : (highMel - lowMel) / (numMel + 2);
    const edges = new Int32Array(numMel + 2);
    for (let i = 0; i < numMel + 2; i++) {
      const hz = 700 * (10 ** ((i * step + lowMel) / 2595) - 1);
      edges[i] = Math.trunc(Math.floor(((dftLength + 1) * hz) / rate));
    }
    const out = new Float64Array(spectrum * numMel);
    const put = (row: number, col: number, v: number) => {
      if (row < 0 || row >= spectrum) throw new OpError('MelWeightMatrix band edge beyond the spectrum');
      out[row * numMel + col] = v;
    };
    for (let i = 0; i < numMel; i++) {
      const [lo, centre, hi] = [edges[i]!, edges[i + 1]!, edges[i + 2]!];
      if (centre === lo) put(centre, i, 1);
      else for (let j = lo; j <= centre; j++) put(j, i, (j - lo) / (centre - lo));
      for (let j = centre; j < hi; j++) put(j, i, (hi - j) / (hi - centre));
    }
    return [encodeFloats(dtypeOfCode(a.output_datatype), [spectrum, numMel], out)];
  },
});
