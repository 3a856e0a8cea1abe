import { sizeOf } from '../../../ir/tensor.js';
import { LoweringUnsupported, type LowerContext, type Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { output, required } from '../linalg/common.js';
import { constantScalar, requireFloat } from './ir.js';
import { spectralKernel } from './spectral.js';

/**
 * STFT with a constant frame_step and frame_length: each frame (batch, frame) is one line of the
 * batched transform (spectral.ts), read at frame * step with the window applied on load.
 */
function lowerStft(ctx: LowerContext): Lowered {
  const signal = required(ctx, 0);
  const window = ctx.inputs[2];
  const y = output(ctx);
  requireFloat(ctx, signal, 'signal');
  if (window) requireFloat(ctx, window, 'window');
  const [batch, length, comps] = signal.shape as [number, number, 1 | 2];
  const step = constantScalar(ctx, 1, 'STFT frame_step');
  if (step === undefined) throw new LoweringUnsupported('STFT needs frame_step');
  const frameLength = constantScalar(ctx, 3, 'STFT frame_length') ?? window?.shape[0] ?? length;
  const [, frames, bins] = y.shape as [number, number, number];
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  if (frameLength > length || bins !== (ctx.attrs.onesided ? Math.floor(frameLength / 2) + 1 : frameLength))
    throw new LoweringUnsupported(`STFT output [${y.shape}] does not fit frame length ${frameLength}`);
  const kernel = spectralKernel(ctx, {
    name: 'stft',
    n: frameLength,
    lines: [
      { extent: batch, inStride: length * comps, outStride: frames * bins * 2 },
      { extent: frames, inStride: step * comps, outStride: bins * 2 },
    ],
    input: { buffer: signal.buffer, dtype: signal.dtype, comps, axisStride: comps },
    take: frameLength,
    ...(window ? { window: { buffer: window.buffer, dtype: window.dtype } } : {}),
    output: { buffer: y.buffer, dtype: y.dtype, comps: 2, axisStride: 2 },
    bins,
    inverse: false,
    hermitian: false,
  });
  return { kernels: [kernel] };
}

registerLowerings({ STFT: lowerStft });
