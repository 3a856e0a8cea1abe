import { freshDim, type Dim } from '../../ir/shape.js';
import { getNumber, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { decodeFloats, encodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import { Fft } from './fft.js';

/**
 * STFT (opset 17): signal [batch, length, 1|2], frame_step, optional window [frame_length] and
 * frame_length. Frames start every frame_step samples and only whole frames are taken:
 * frames = 1 + floor((length - frame_length) / frame_step). Output [batch, frames, bins, 2] with
 * bins = frame_length / 2 + 1 when onesided (the default), else frame_length.
 */
const attrs = { onesided: attr.int(1) };

function scalarOf(t: Tensor | undefined): number | undefined {
  return t && t.data.length > 0 ? getNumber(t, 0) : undefined;
}

function frameCount(length: number, frameLength: number, step: number): number {
  return Math.max(0, 1 + Math.floor((length - frameLength) / step));
}

export const stftOp = defineOp({
  type: 'STFT',
  attrs,
  arity: { inputs: [2, 4], outputs: [1, 1] },
  infer(ctx) {
    const signal = input(ctx, 0);
    if (rankOf(signal, 'signal') !== 3) throw new OpError('STFT signal must be [batch, length, 1|2]');
    const [batch, length] = signal.shape! as [Dim, Dim];
    const step = scalarOf(ctx.constants[1]);
    const windowLen = ctx.inputs[2]?.shape?.[0];
    const frameLength = ctx.inputs[3]
      ? scalarOf(ctx.constants[3])
      : typeof windowLen === 'number'
        ? windowLen
        : undefined;
    const frames =
      typeof length === 'number' && step !== undefined && frameLength !== undefined
        ? frameCount(length, frameLength, step)
        : freshDim('frames');
    const bins =
      frameLength === undefined
        ? freshDim('bins')
        : ctx.attrs.onesided
          ? Math.floor(frameLength / 2) + 1
          : frameLength;
    return [{ dtype: signal.dtype, shape: [batch, frames, bins, 2] }];
  },
  reference([signal, stepT, window, frameLengthT], a) {
    if (!signal || !stepT) throw new OpError('STFT needs signal and frame_step');
    if (signal.shape.length !== 3) throw new OpError('STFT signal must be [batch, length, 1|2]');
    const [batch, length, comps] = signal.shape as [number, number, number];
    if (comps !== 1 && comps !== 2)
      throw new OpError(`STFT signal's last dim must be 1 or 2, found ${comps}`);
    const step = scalarOf(stepT)!;
    const frameLength = scalarOf(frameLengthT) ?? window?.shape[0] ?? length;
    if (!(step >= 1) || !(frameLength >= 1))
      throw new OpError('STFT frame_step and frame_length must be positive');
    if (window && window.shape[0] !== frameLength) {
      throw new OpError(`window has ${window.shape[0]} samples, frame_length is ${frameLength}`);
    }
    const frames = frameCount(length, frameLength, step);
    const bins = a.onesided ? Math.floor(frameLength / 2) + 1 : frameLength;
    const w = window ? decodeFloats(window) : undefined;
    const src = decodeFloats(signal);
    const out = new Float64Array(batch * frames * bins * 2);
    const fft = new Fft(frameLength);
    const re = new Float64Array(frameLength);
    const im = new Float64Array(frameLength);
    for (let b = 0; b < batch; b++) {
      for (let f = 0; f < frames; f++) {
        const start = (b * length + f * step) * comps;
        for (let t = 0; t < frameLength; t++) {
          const wt = w ? w[t]! : 1;
          re[t] = src[start + t * comps]! * wt;
          im[t] = comps === 2 ? src[start + t * comps + 1]! * wt : 0;
        }
        fft.transform(re, im, false);
        const o = (b * frames + f) * bins * 2;
        for (let k = 0; k < bins; k++) {
          out[o + 2 * k] = re[k]!;
          out[o + 2 * k + 1] = im[k]!;
        }
      }
    }
    return [encodeFloats(signal.dtype, [batch, frames, bins, 2], out)];
  },
});
