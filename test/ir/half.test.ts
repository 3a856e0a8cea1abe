import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ArrayToBfloat16Bits,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../../src/ir/half.js';

/** The float32 whose bit pattern is `bits`. */
function f32(bits: number): number {
  return new Float32Array(new Uint32Array([bits >>> 0]).buffer)[0]!;
}

const hex = (h: number): string => `0x${h.toString(16).padStart(4, '0')}`;

function isQuietNaN16(h: number): boolean {
  return (h & 0x7c00) === 0x7c00 && (h & 0x0200) !== 0;
}

function isQuietNaNBf16(h: number): boolean {
  return (h & 0x7f80) === 0x7f80 && (h & 0x0040) !== 0;
}

test('float16: exact values', () => {
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest finite
    [2 ** -14, 0x0400], // smallest normal
    [0.333251953125, 0x3555],
  ];
  for (const [x, bits] of cases) assert.equal(hex(float32ToFloat16Bits(x)), hex(bits), `f16(${x})`);
});

test('float16: round to nearest, ties to even', () => {
  // 1 + 2^-11 is halfway between 0x3c00 (even) and 0x3c01
  assert.equal(hex(float32ToFloat16Bits(1 + 2 ** -11)), '0x3c00');
  // 1 + 3*2^-11 is halfway between 0x3c01 and 0x3c02 (even)
  assert.equal(hex(float32ToFloat16Bits(1 + 3 * 2 ** -11)), '0x3c02');
  // just above a tie rounds up, just below rounds down
  assert.equal(hex(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)), '0x3c01');
  assert.equal(hex(float32ToFloat16Bits(1 + 2 ** -11 - 2 ** -20)), '0x3c00');
  // rounding that carries the mantissa into the exponent: 2 - 2^-11 is halfway between 0x3bff and 0x4000
  assert.equal(hex(float32ToFloat16Bits(2 - 2 ** -11)), '0x4000');
  assert.equal(hex(float32ToFloat16Bits(-(1 + 3 * 2 ** -11))), '0xbc02');
});

test('float16: overflow and infinities', () => {
  assert.equal(hex(float32ToFloat16Bits(65519)), '0x7bff'); // below the 65520 tie
  assert.equal(hex(float32ToFloat16Bits(65520)), '0x7c00'); // tie rounds to even: infinity
  assert.equal(hex(float32ToFloat16Bits(1e6)), '0x7c00');
  assert.equal(hex(float32ToFloat16Bits(-1e6)), '0xfc00');
  assert.equal(hex(float32ToFloat16Bits(f32(0x7f7fffff))), '0x7c00');
  assert.equal(hex(float32ToFloat16Bits(Infinity)), '0x7c00');
  assert.equal(hex(float32ToFloat16Bits(-Infinity)), '0xfc00');
});

test('float16: NaN stays a quiet NaN with its sign', () => {
  for (const bits of [0x7fc00000, 0x7f800001, 0x7fbfffff, 0x7f802000]) {
    const h = float32ToFloat16Bits(f32(bits));
    assert.ok(isQuietNaN16(h), `NaN ${bits.toString(16)} -> ${hex(h)}`);
    assert.equal(h & 0x8000, 0);
  }
  const neg = float32ToFloat16Bits(f32(0xffc00000));
  assert.ok(isQuietNaN16(neg), hex(neg));
  assert.equal(neg & 0x8000, 0x8000);
  assert.ok(Number.isNaN(float16BitsToFloat32(0x7e00)));
  assert.ok(Number.isNaN(float16BitsToFloat32(0x7c01)));
  assert.ok(Number.isNaN(float16BitsToFloat32(0xfe00)));
});

test('float16: zeros and subnormals both ways', () => {
  assert.equal(hex(float32ToFloat16Bits(0)), '0x0000');
  assert.equal(hex(float32ToFloat16Bits(-0)), '0x8000');
  assert.ok(Object.is(float16BitsToFloat32(0x8000), -0));
  assert.ok(Object.is(float16BitsToFloat32(0x0000), 0));
  assert.equal(hex(float32ToFloat16Bits(2 ** -24)), '0x0001'); // smallest subnormal
  assert.equal(hex(float32ToFloat16Bits(-(2 ** -24))), '0x8001');
  assert.equal(hex(float32ToFloat16Bits(2 ** -14 - 2 ** -24)), '0x03ff'); // largest subnormal
  assert.equal(hex(float32ToFloat16Bits(5 * 2 ** -24)), '0x0005');
  // halfway cases among subnormals: ties to even
  assert.equal(hex(float32ToFloat16Bits(2 ** -25)), '0x0000');
  assert.equal(hex(float32ToFloat16Bits(3 * 2 ** -25)), '0x0002');
  assert.equal(hex(float32ToFloat16Bits(-(2 ** -25))), '0x8000');
  assert.equal(hex(float32ToFloat16Bits(2 ** -25 + 2 ** -35)), '0x0001');
  assert.equal(hex(float32ToFloat16Bits(2 ** -26)), '0x0000');
  // the largest subnormal's upper tie rounds into the smallest normal
  assert.equal(hex(float32ToFloat16Bits(2 ** -14 - 2 ** -25)), '0x0400');
  // float32 subnormals are far below float16's range
  assert.equal(hex(float32ToFloat16Bits(f32(0x00000001))), '0x0000');
  assert.equal(hex(float32ToFloat16Bits(f32(0x80000001))), '0x8000');
  assert.equal(float16BitsToFloat32(0x0001), 2 ** -24);
  assert.equal(float16BitsToFloat32(0x03ff), 1023 * 2 ** -24);
  assert.equal(float16BitsToFloat32(0x8001), -(2 ** -24));
});

test('float16: decoding exact values', () => {
  assert.equal(float16BitsToFloat32(0x3c00), 1);
  assert.equal(float16BitsToFloat32(0xc000), -2);
  assert.equal(float16BitsToFloat32(0x7bff), 65504);
  assert.equal(float16BitsToFloat32(0x3555), 0.333251953125);
  assert.equal(float16BitsToFloat32(0x7c00), Infinity);
  assert.equal(float16BitsToFloat32(0xfc00), -Infinity);
});

test('float16: every non-NaN bit pattern survives a round trip', () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = float16BitsToFloat32(h);
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) {
      assert.ok(Number.isNaN(x), hex(h));
      assert.ok(isQuietNaN16(float32ToFloat16Bits(x)));
      continue;
    }
    const back = float32ToFloat16Bits(x);
    if (back !== h) assert.fail(`${hex(h)} -> ${x} -> ${hex(back)}`);
  }
});

test('bfloat16: exact values and ties to even', () => {
  assert.equal(hex(float32ToBfloat16Bits(1)), '0x3f80');
  assert.equal(hex(float32ToBfloat16Bits(-2)), '0xc000');
  assert.equal(hex(float32ToBfloat16Bits(f32(0x3f808000))), '0x3f80'); // tie, even below
  assert.equal(hex(float32ToBfloat16Bits(f32(0x3f818000))), '0x3f82'); // tie, even above
  assert.equal(hex(float32ToBfloat16Bits(f32(0x3f808001))), '0x3f81'); // above the tie
  assert.equal(hex(float32ToBfloat16Bits(f32(0x3f807fff))), '0x3f80'); // below the tie
  assert.equal(hex(float32ToBfloat16Bits(f32(0xbf818000))), '0xbf82');
  // carry from the mantissa into the exponent
  assert.equal(hex(float32ToBfloat16Bits(f32(0x3fffff00))), '0x4000');
});

test('bfloat16: overflow, infinities, NaN', () => {
  assert.equal(hex(float32ToBfloat16Bits(f32(0x7f7f7fff))), '0x7f7f');
  assert.equal(hex(float32ToBfloat16Bits(f32(0x7f7f8000))), '0x7f80'); // tie with odd lsb overflows
  assert.equal(hex(float32ToBfloat16Bits(f32(0x7f7fffff))), '0x7f80');
  assert.equal(hex(float32ToBfloat16Bits(f32(0xff7fffff))), '0xff80');
  assert.equal(hex(float32ToBfloat16Bits(Infinity)), '0x7f80');
  assert.equal(hex(float32ToBfloat16Bits(-Infinity)), '0xff80');
  for (const bits of [0x7fc00000, 0x7f800001, 0x7fbfffff, 0x7fffffff]) {
    const h = float32ToBfloat16Bits(f32(bits));
    assert.ok(isQuietNaNBf16(h), `NaN ${bits.toString(16)} -> ${hex(h)}`);
    assert.equal(h & 0x8000, 0);
  }
  const neg = float32ToBfloat16Bits(f32(0xffc00001));
  assert.ok(isQuietNaNBf16(neg), hex(neg));
  assert.equal(neg & 0x8000, 0x8000);
  assert.ok(Number.isNaN(bfloat16BitsToFloat32(0x7fc0)));
  assert.ok(Number.isNaN(bfloat16BitsToFloat32(0x7f81)));
  assert.equal(bfloat16BitsToFloat32(0x7f80), Infinity);
  assert.equal(bfloat16BitsToFloat32(0xff80), -Infinity);
});

test('bfloat16: zeros and subnormals both ways', () => {
  assert.equal(hex(float32ToBfloat16Bits(0)), '0x0000');
  assert.equal(hex(float32ToBfloat16Bits(-0)), '0x8000');
  assert.ok(Object.is(bfloat16BitsToFloat32(0x8000), -0));
  assert.equal(hex(float32ToBfloat16Bits(f32(0x00010000))), '0x0001');
  assert.equal(hex(float32ToBfloat16Bits(f32(0x00008000))), '0x0000'); // tie to even zero
  assert.equal(hex(float32ToBfloat16Bits(f32(0x00018000))), '0x0002'); // tie to even 2
  assert.equal(hex(float32ToBfloat16Bits(f32(0x00008001))), '0x0001');
  assert.equal(hex(float32ToBfloat16Bits(f32(0x80008001))), '0x8001');
  assert.equal(hex(float32ToBfloat16Bits(f32(0x007fffff))), '0x0080'); // rounds into the smallest normal
  assert.equal(bfloat16BitsToFloat32(0x0001), 2 ** -133);
  assert.equal(bfloat16BitsToFloat32(0x8001), -(2 ** -133));
  assert.equal(bfloat16BitsToFloat32(0x007f), 127 * 2 ** -133);
  assert.equal(bfloat16BitsToFloat32(0x3f80), 1);
  assert.equal(bfloat16BitsToFloat32(0xc040), -3);
});

test('bfloat16: every non-NaN bit pattern survives a round trip', () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = bfloat16BitsToFloat32(h);
    if ((h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0) {
      assert.ok(Number.isNaN(x), hex(h));
      assert.ok(isQuietNaNBf16(float32ToBfloat16Bits(x)));
      continue;
    }
    const back = float32ToBfloat16Bits(x);
    if (back !== h) assert.fail(`${hex(h)} -> ${x} -> ${hex(back)}`);
  }
});

test('float16 and bfloat16 agree with exact rounding on a sweep of float32 values', () => {
  // an independent oracle: round |x| to the nearest multiple of the format's spacing, ties to even
  const spacing16 = (a: number): number => 2 ** (Math.max(Math.floor(Math.log2(a)), -14) - 10);
  const spacingBf = (a: number): number => 2 ** (Math.max(Math.floor(Math.log2(a)), -126) - 7);
  const roundTo = (a: number, q: number): number => {
    const k = a / q;
    const lo = Math.floor(k);
    const r = k - lo > 0.5 || (k - lo === 0.5 && lo % 2 === 1) ? lo + 1 : lo;
    return r * q;
  };
  let seed = 12345;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < 20000; i++) {
    const bits = next() & 0x7fffffff;
    const x = f32(bits);
    if (!Number.isFinite(x) || x === 0) continue;
    const want16 = x >= 65520 ? Infinity : roundTo(x, spacing16(x));
    const got16 = float16BitsToFloat32(float32ToFloat16Bits(x));
    if (got16 !== want16) assert.fail(`f16 of ${x} (0x${bits.toString(16)}): ${got16}, want ${want16}`);
    const wantBf = Math.fround(roundTo(x, spacingBf(x)));
    const gotBf = bfloat16BitsToFloat32(float32ToBfloat16Bits(x));
    if (gotBf !== wantBf) assert.fail(`bf16 of ${x} (0x${bits.toString(16)}): ${gotBf}, want ${wantBf}`);
  }
});

test('bfloat16: the array encoder gives the scalar encoder bit for bit (ties, NaN payloads, subnormals)', () => {
  const patterns = [
    0x00000000, 0x80000000, 0x3f808000, 0x3f818000, 0x3f807fff, 0x3f808001, 0x7f7fffff, 0xff7fffff,
    0x7f800000, 0xff800000, 0x7f800001, 0xffc00000, 0x7fbfffff, 0x00000001, 0x807fffff, 0x00ff8000,
    0x3dcccccd, 0xc2f6e979,
  ];
  let s = 12345;
  for (let i = 0; i < 5000; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    patterns.push(s);
  }
  const values = new Float32Array(new Uint32Array(patterns).buffer);
  const bulk = float32ArrayToBfloat16Bits(values);
  for (let i = 0; i < values.length; i++)
    assert.equal(hex(bulk[i]!), hex(float32ToBfloat16Bits(values[i]!)), `0x${patterns[i]!.toString(16)}`);
});
