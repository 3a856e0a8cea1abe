import type { DType } from '../../src/ir/dtype.js';
import { getNumber, type Tensor } from '../../src/ir/tensor.js';

/**
 * ONNX's own rule is numpy assert_allclose(rtol=1e-3, atol=1e-7) with equal NaNs. 16-bit floats get
 * a tolerance of a few of their ulps, since the expected values were rounded once, ours maybe twice.
 */
const TOLERANCE: Partial<Record<DType, { rtol: number; atol: number }>> = {
  float32: { rtol: 1e-3, atol: 1e-7 },
  float64: { rtol: 1e-3, atol: 1e-7 },
  float16: { rtol: 4e-3, atol: 1e-3 },
  bfloat16: { rtol: 2e-2, atol: 1e-2 },
};

export function compareTensors(actual: Tensor, expected: Tensor, atolOverride?: number): string | undefined {
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${actual.shape}], expected [${expected.shape}]`;
  }
  const base = TOLERANCE[actual.dtype];
  const tol = base && atolOverride !== undefined ? { ...base, atol: atolOverride } : base;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.data.length; i++) {
    if (!tol) {
      if (actual.data[i] !== expected.data[i])
        return `element ${i}: ${actual.data[i]}, expected ${expected.data[i]}`;
      continue;
    }
    const a = getNumber(actual, i);
    const e = getNumber(expected, i);
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return `element ${i}: ${a}, expected ${e}`;
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) return `element ${i}: ${a}, expected ${e}`;
      continue;
    }
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    return `element ${worst}: ${getNumber(actual, worst)}, expected ${getNumber(expected, worst)} (beyond tolerance by ${worstExcess.toExponential(2)})`;
  }
  return undefined;
}
