/**
 * Cases whose expected values carry the reference implementation's own rounding noise beyond ONNX's
 * atol of 1e-7, each with the reason. The report lists them; every other case uses the default rule.
 */
export const TOLERANCE_OVERRIDES: Readonly<Record<string, { atol: number; reason: string }>> = {
  'node/test_dft_inverse': {
    atol: 1e-6,
    reason:
      "exact zeros are stored as 1.9e-7, numpy's float32 FFT rounding noise; neuron-cc computes in float64",
  },
  'node/test_dft_inverse_opset19': {
    atol: 1e-6,
    reason:
      "exact zeros are stored as 1.9e-7, numpy's float32 FFT rounding noise; neuron-cc computes in float64",
  },
};
