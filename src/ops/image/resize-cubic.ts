/**
 * Interpolation weights of Resize along one axis. Every function fills `out` with the weights of
 * the consecutive input indices base + start, base + start + 1, ... where base = ceil(x) - 1 and
 * ratio = x - base lies in (0, 1]: the ONNX reference takes its neighbours that way (an integer
 * coordinate has ratio 1, so linear weights [0, 1] pick the pixel itself).
 */

/** Keys' cubic convolution at offsets -1, 0, 1, 2, written as the spec's polynomials in ratio. */
export function cubicWeights(ratio: number, a: number, out: Float64Array): void {
  const r1 = ratio + 1;
  const q = 1 - ratio;
  const q1 = q + 1;
  out[0] = ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a;
  out[1] = ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1;
  out[2] = ((a + 2) * q - (a + 3)) * q * q + 1;
  out[3] = ((a * q1 - 5 * a) * q1 + 8 * a) * q1 - 4 * a;
}

function cubicKernel(x: number, a: number): number {
  const ax = Math.abs(x);
  const x2 = ax * ax;
  const x3 = ax * x2;
  if (ax <= 1) return (a + 2) * x3 - (a + 3) * x2 + 1;
  if (ax < 2) return a * x3 - 5 * a * x2 + 8 * a * ax - 4 * a;
  return 0;
}

/**
 * Antialiasing stretches the kernel by 1 / scale when downsampling (scale < 1), so every input
 * pixel under an output pixel contributes; the footprint grows to 2 * (1 - start) taps.
 */
export function antialiasStart(kernelRadius: number, scale: number): number {
  return Math.floor(-kernelRadius / Math.min(scale, 1)) + 1;
}

export function antialiasWeights(
  kind: 'linear' | 'cubic',
  ratio: number,
  scale: number,
  a: number,
  out: Float64Array,
): number {
  const s = Math.min(scale, 1);
  const start = antialiasStart(kind === 'linear' ? 1 : 2, scale);
  const width = 2 - 2 * start;
  let sum = 0;
  for (let k = 0; k < width; k++) {
    const arg = s * (start + k - ratio);
    const w = kind === 'linear' ? Math.min(Math.max(1 - Math.abs(arg), 0), 1) : cubicKernel(arg, a);
    out[k] = w;
    sum += w;
  }
  for (let k = 0; k < width; k++) out[k] = out[k]! / sum;
  return start;
}
