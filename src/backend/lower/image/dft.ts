import { sizeOf } from '../../../ir/tensor.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { output, required } from '../linalg/common.js';
import { constantScalar, requireFloat } from './ir.js';
import { spectralKernel } from './spectral.js';

/**
 * DFT with a constant axis and dft_length (the output shape depends on them): forward and inverse,
 * real or complex input, onesided output, and the inverse real FFT (inverse + onesided), as
 * batched 1-D transforms (spectral.ts) over the lines along the axis.
 */
function lowerDft(ctx: LowerContext): Lowered {
  const x = required(ctx, 0);
  const y = output(ctx);
  requireFloat(ctx, x, 'input');
  const rank = x.shape.length;
  const axisArg = constantScalar(ctx, 2, 'DFT axis') ?? -2;
  const axis = axisArg < 0 ? axisArg + rank : axisArg;
  if (!(axis >= 0 && axis < rank - 1)) throw new LoweringUnsupported(`DFT axis ${axisArg} of rank ${rank}`);
  const comps = x.shape[rank - 1]! as 1 | 2;
  const inverse = ctx.attrs.inverse !== 0;
  const onesided = ctx.attrs.onesided !== 0;
  const inLen = x.shape[axis]!;
  const dftLength = constantScalar(ctx, 1, 'DFT dft_length');
  const irfft = inverse && onesided;
  const n = dftLength ?? (irfft ? 2 * (inLen - 1) : inLen);
  const bins = irfft ? n : onesided ? Math.floor(n / 2) + 1 : n;
  const outComps = irfft ? 1 : 2;
  if (bins !== y.shape[axis] || y.shape[rank - 1] !== outComps)
    throw new LoweringUnsupported(`DFT output [${y.shape}] does not fit length ${n}`);
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  if (!(n >= 1)) throw new LoweringUnsupported(`DFT length ${n}`);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1, rank - 1));
  const kernel = spectralKernel(ctx, {
    name: irfft ? 'irfft' : inverse ? 'idft' : onesided ? 'rfft' : 'dft',
    n,
    lines: [
      { extent: outer, inStride: inLen * inner * comps, outStride: bins * inner * outComps },
      { extent: inner, inStride: comps, outStride: outComps },
    ],
    input: { buffer: x.buffer, dtype: x.dtype, comps, axisStride: inner * comps },
    // the inverse real FFT reads only bins 0..n/2 of its half spectrum
    take: Math.min(inLen, irfft ? Math.floor(n / 2) + 1 : n),
    output: { buffer: y.buffer, dtype: y.dtype, comps: outComps, axisStride: inner * outComps },
    bins,
    inverse,
    hermitian: irfft,
  });
  return { kernels: [kernel] };
}

registerLowerings({ DFT: lowerDft });
