import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fft } from '../../src/ops/image/fft.js';
import { OpError } from '../../src/ops/op.js';
import { assertNear, f32, infer1, ints, run1, t, values } from '../helpers/op-harness.js';

function naiveDft(re: number[], im: number[], inverse: boolean): [number[], number[]] {
  const n = re.length;
  const sign = inverse ? 1 : -1;
  const outRe: number[] = [];
  const outIm: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * j * k) / n;
      sr += re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      si += re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
    outRe.push(sr);
    outIm.push(si);
  }
  return [outRe, outIm];
}

test('Fft matches the naive DFT for power-of-two and Bluestein lengths, both directions', () => {
  for (const n of [1, 2, 3, 8, 12, 17, 400]) {
    const re = Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + i / n);
    const im = Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
    for (const inverse of [false, true]) {
      const [eRe, eIm] = naiveDft(re, im, inverse);
      const bRe = Float64Array.from(re);
      const bIm = Float64Array.from(im);
      new Fft(n).transform(bRe, bIm, inverse);
      assertNear(Array.from(bRe), eRe, 1e-9 * n);
      assertNear(Array.from(bIm), eIm, 1e-9 * n);
    }
  }
});

const signal = f32([1, 4, 1], [1, 2, 3, 4]);

test('DFT of a real signal along the default axis (-2), full and onesided', () => {
  const y = run1('DFT', [signal]);
  assert.deepEqual(y.shape, [1, 4, 2]);
  assertNear(values(y), [10, 0, -2, 2, -2, 0, -2, -2]);
  const half = run1('DFT', [signal], { onesided: 1 });
  assert.deepEqual(half.shape, [1, 3, 2]);
  assertNear(values(half), [10, 0, -2, 2, -2, 0]);
});

test('DFT dft_length zero-pads or truncates the signal', () => {
  assertNear(values(run1('DFT', [signal, ints(2)])), [3, 0, -1, 0]);
  const padded = run1('DFT', [signal, ints(8)]);
  assert.deepEqual(padded.shape, [1, 8, 2]);
  assertNear(values(padded).slice(0, 2), [10, 0]);
  assertNear(values(padded).slice(8, 10), [-2, 0]); // bin 4 of 8 is bin 2 of 4 zero-padded
});

test('DFT inverse undoes the forward transform (complex input)', () => {
  const x = f32([1, 3, 2], [1, -1, 2, 0.5, -3, 4]);
  const y = run1('DFT', [run1('DFT', [x]), undefined, undefined], { inverse: 1 });
  assertNear(values(y), values(x));
});

test('DFT inverse onesided is the inverse real FFT, even and odd lengths', () => {
  for (const n of [4, 5]) {
    const x = f32(
      [1, n, 1],
      Array.from({ length: n }, (_, i) => i * i - 2),
    );
    const half = run1('DFT', [x], { onesided: 1 });
    const back = run1('DFT', [half, ints(n)], { inverse: 1, onesided: 1 });
    assert.deepEqual(back.shape, [1, n, 1]);
    assertNear(values(back), values(x));
  }
  // without dft_length the length is 2 * (bins - 1)
  const half = run1('DFT', [f32([1, 4, 1], [1, 2, 3, 4])], { onesided: 1 });
  assert.deepEqual(run1('DFT', [half], { inverse: 1, onesided: 1 }).shape, [1, 4, 1]);
});

test('DFT axis input: positive, negative, and never the complex dim', () => {
  const x = f32([2, 2, 1], [1, 2, 3, 4]);
  assertNear(values(run1('DFT', [x, undefined, ints(0)])), [4, 0, 6, 0, -2, 0, -2, 0]);
  assertNear(values(run1('DFT', [x, undefined, t('int64', [], [-2])])), [3, 0, -1, 0, 7, 0, -1, 0]);
  assert.throws(() => run1('DFT', [x, undefined, ints(2)]), OpError);
  assert.throws(() => run1('DFT', [x, undefined, t('int64', [], [-1])]), OpError);
});

test('DFT float16 and shape inference', () => {
  const y = run1('DFT', [t('float16', [1, 4, 1], [1, 2, 3, 4])], { onesided: 1 });
  assert.equal(y.dtype, 'float16');
  assertNear(values(y), [10, 0, -2, 2, -2, 0]);
  const x = { dtype: 'float32' as const, shape: ['B', 16, 1] };
  assert.deepEqual(infer1('DFT', [x], { onesided: 1 }).shape, ['B', 9, 2]);
  assert.deepEqual(infer1('DFT', [x, ints(20)]).shape, ['B', 20, 2]);
  const runtimeAxis = infer1('DFT', [x, undefined, { dtype: 'int64', shape: [] }]).shape!;
  assert.equal(runtimeAxis[2], 2);
  assert.ok(runtimeAxis.slice(0, 2).every((d) => typeof d === 'string'));
});

test('STFT frames whole windows only and transforms each windowed frame', () => {
  const x = f32([1, 10, 1], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const y = run1('STFT', [x, ints(3), undefined, ints(4)]);
  assert.deepEqual(y.shape, [1, 3, 3, 2]); // frames at 0, 3, 6; bins 0..2
  const frame1 = run1('DFT', [f32([1, 4, 1], [3, 4, 5, 6])], { onesided: 1 });
  assertNear(values(y).slice(6, 12), values(frame1));
  const w = f32([4], [0, 1, 1, 0]);
  const windowed = run1('STFT', [x, ints(3), w]);
  const frame0 = run1('DFT', [f32([1, 4, 1], [0, 1, 2, 0])], { onesided: 1 });
  assertNear(values(windowed).slice(0, 6), values(frame0));
  assert.deepEqual(infer1('STFT', [x, ints(3), w]).shape, [1, 3, 3, 2]);
  assert.throws(() => run1('STFT', [x, ints(3), w, ints(5)]), OpError);
});

test('Hann, Hamming and Blackman windows, periodic and symmetric', () => {
  assertNear(values(run1('HannWindow', [t('int64', [], [4])])), [0, 0.5, 1, 0.5]);
  assertNear(values(run1('HannWindow', [t('int32', [], [3])], { periodic: 0 })), [0, 1, 0]);
  assertNear(values(run1('HammingWindow', [t('int32', [], [2])], { periodic: 0 })), [4 / 46, 4 / 46]);
  assertNear(values(run1('BlackmanWindow', [t('int32', [], [3])], { periodic: 0 })), [0, 1, 0]);
  assert.deepEqual(values(run1('HannWindow', [t('int32', [], [1])], { periodic: 0 })), [1]);
  const w = run1('HannWindow', [t('int32', [], [8])], { output_datatype: 11 });
  assert.equal(w.dtype, 'float64');
  assert.deepEqual(infer1('HannWindow', [t('int32', [], [8])]).shape, [8]);
  assert.equal(typeof infer1('HannWindow', [{ dtype: 'int32', shape: [] }]).shape![0], 'string');
});

test('MelWeightMatrix: [dft_length / 2 + 1, bins] triangles that peak at 1', () => {
  const inputs = [
    t('int32', [], [8]),
    t('int32', [], [64]),
    t('int32', [], [16000]),
    f32([], [0]),
    f32([], [8000]),
  ];
  const m = run1('MelWeightMatrix', inputs);
  assert.deepEqual(m.shape, [33, 8]);
  assert.deepEqual(infer1('MelWeightMatrix', inputs).shape, [33, 8]);
  const v = values(m);
  for (let b = 0; b < 8; b++) {
    const column = Array.from({ length: 33 }, (_, r) => v[r * 8 + b]!);
    assert.equal(Math.max(...column), 1, `band ${b}`);
    assert.ok(column.every((x) => x >= 0 && x <= 1));
  }
});
