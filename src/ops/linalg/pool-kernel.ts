import type { FloatArray } from './gemm-kernel.js';
import { tapRanges, to3d, type Window } from './window.js';

/**
 * Window reductions over channels-first planes ([N*C] planes of the spatial volume), 3-D
 * normalized. Each axis has precomputed in-bounds tap ranges, so the innermost loops never test
 * bounds; windows never read padding (max ignores it, avg/lp treat it as zeros).
 */
interface Axes3 {
  readonly lo: Int32Array[];
  readonly hi: Int32Array[];
  readonly w: Window;
}

function axes3(win: Window): Axes3 {
  const w = to3d(win);
  const r = [0, 1, 2].map((i) => tapRanges(w, i));
  return { lo: r.map((x) => x.lo), hi: r.map((x) => x.hi), w };
}

function volume(xs: readonly number[]): number {
  return xs[0]! * xs[1]! * xs[2]!;
}

/**
 * Max over each window. `argmax` receives, per output, the winning input position within its plane
 * in row-major spatial order as (d, h, w) coordinates flattened by the caller's `flat`.
 */
export function maxPoolFloat(
  x: FloatArray,
  planes: number,
  win: Window,
  flat?: (d: number, h: number, w: number) => number,
): { y: FloatArray; arg: Float64Array | undefined } {
  const { lo, hi, w } = axes3(win);
  const [ID, IH, IW] = w.input as [number, number, number];
  const [OD, OH, OW] = w.output as [number, number, number];
  const [sd, sh, sw] = w.strides as [number, number, number];
  const [dd, dh, dw] = w.dilations as [number, number, number];
  const [pd, ph, pw] = w.padBegin as [number, number, number];
  const sIn = ID * IH * IW;
  const sOut = OD * OH * OW;
  const y = x instanceof Float64Array ? new Float64Array(planes * sOut) : new Float32Array(planes * sOut);
  const arg = flat ? new Float64Array(planes * sOut) : undefined;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * sIn;
    for (let od = 0; od < OD; od++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++, o++) {
          let m = -Infinity;
          let best = -1;
          for (let kd = lo[0]![od]!; kd < hi[0]![od]!; kd++) {
            const id = od * sd - pd + kd * dd;
            for (let kh = lo[1]![oh]!; kh < hi[1]![oh]!; kh++) {
              const ih = oh * sh - ph + kh * dh;
              const row = base + (id * IH + ih) * IW + ow * sw - pw;
              for (let kw = lo[2]![ow]!; kw < hi[2]![ow]!; kw++) {
                const v = x[row + kw * dw]!;
                // NaN wins, as in numpy's max
                if (v > m || (v !== v && m === m)) {
                  m = v;
                  best = row + kw * dw - base;
                }
              }
            }
          }
          y[o] = m;
          if (arg && flat) {
            const iw = best % IW;
            const ih = Math.floor(best / IW) % IH;
            const id = Math.floor(best / (IW * IH));
            arg[o] = best < 0 ? -1 : flat(id, ih, iw);
          }
        }
      }
    }
  }
  return { y, arg };
}

export interface AveragingOptions {
  /** 'avg': sum / count; 'lp': (sum |x|^p)^(1/p). */
  readonly kind: 'avg' | 'lp';
  readonly countIncludePad: boolean;
  readonly p: number;
}

/** Per output index of one axis: taps inside the explicitly padded extent (count_include_pad). */
function paddedCounts(w: Window, axis: number): Int32Array {
  const out = w.output[axis]!;
  const n = w.input[axis]!;
  const res = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    let c = 0;
    for (let j = 0; j < w.kernel[axis]!; j++) {
      const pos = o * w.strides[axis]! - w.padBegin[axis]! + j * w.dilations[axis]!;
      if (pos >= -w.padBegin[axis]! && pos < n + w.padEnd[axis]!) c++;
    }
    res[o] = c;
  }
  return res;
}

export function averagePoolFloat(
  x: FloatArray,
  planes: number,
  win: Window,
  opt: AveragingOptions,
): FloatArray {
  const { lo, hi, w } = axes3(win);
  const [, IH, IW] = w.input as [number, number, number];
  const [OD, OH, OW] = w.output as [number, number, number];
  const [sd, sh, sw] = w.strides as [number, number, number];
  const [dd, dh, dw] = w.dilations as [number, number, number];
  const [pd, ph, pw] = w.padBegin as [number, number, number];
  const counts = [0, 1, 2].map((i) => paddedCounts(w, i));
  const sIn = volume(w.input);
  const sOut = volume(w.output);
  const p = opt.p;
  const y = x instanceof Float64Array ? new Float64Array(planes * sOut) : new Float32Array(planes * sOut);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * sIn;
    for (let od = 0; od < OD; od++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++, o++) {
          let sum = 0;
          for (let kd = lo[0]![od]!; kd < hi[0]![od]!; kd++) {
            const id = od * sd - pd + kd * dd;
            for (let kh = lo[1]![oh]!; kh < hi[1]![oh]!; kh++) {
              const row = base + (id * IH + oh * sh - ph + kh * dh) * IW + ow * sw - pw;
              const k0 = lo[2]![ow]!;
              const k1 = hi[2]![ow]!;
              if (opt.kind === 'avg') for (let kw = k0; kw < k1; kw++) sum += x[row + kw * dw]!;
              else if (p === 2) for (let kw = k0; kw < k1; kw++) sum += x[row + kw * dw]! * x[row + kw * dw]!;
              else for (let kw = k0; kw < k1; kw++) sum += Math.abs(x[row + kw * dw]!) ** p;
            }
          }
          if (opt.kind === 'lp') y[o] = p === 2 ? Math.sqrt(sum) : sum ** (1 / p);
          else {
            const n = opt.countIncludePad
              ? counts[0]![od]! * counts[1]![oh]! * counts[2]![ow]!
              : (hi[0]![od]! - lo[0]![od]!) * (hi[1]![oh]! - lo[1]![oh]!) * (hi[2]![ow]! - lo[2]![ow]!);
            y[o] = sum / n;
          }
        }
      }
    }
  }
  return y;
}
