import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmix32, randomBits, streamKey } from '../../src/ops/image/prng.js';
import { OpError } from '../../src/ops/op.js';
import { f32, infer1, op, run1, t, values } from '../helpers/op-harness.js';

test('fmix32 is the murmur3 finalizer (murmur3_32 of the empty input with seeds 1 and 2^32 - 1)', () => {
  assert.equal(fmix32(1) >>> 0, 0x514e28b7);
  assert.equal(fmix32(0xffffffff | 0) >>> 0, 0x81f16f39);
  assert.equal(fmix32(0), 0);
});

test('the generator is counter based: any draw order gives the same bits; keys separate streams', () => {
  const key = streamKey(42);
  const forward = Array.from({ length: 64 }, (_, i) => randomBits(key, i));
  const backward = Array.from({ length: 64 }, (_, i) => randomBits(key, 63 - i)).reverse();
  assert.deepEqual(forward, backward);
  assert.equal(new Set(forward).size, 64);
  assert.ok(forward.every((b) => Number.isInteger(b) && b >= 0 && b < 2 ** 32));
  assert.deepEqual(streamKey(42), streamKey(42));
  assert.notDeepEqual(streamKey(42), streamKey(42.5));
  assert.notDeepEqual(streamKey(undefined), streamKey(undefined));
  // counters wrap to 32 bits, as the compiled i32 arithmetic does
  assert.equal(randomBits(key, 2 ** 32 + 5), randomBits(key, 5));
});

const moments = (v: readonly number[]): { mean: number; variance: number } => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length };
};

test('10^5 draws: uniform and normal moments, Bernoulli rate, Multinomial class frequencies', () => {
  const u = moments(values(run1('RandomUniform', [], { shape: [100000], low: -1, high: 3, seed: 11 })));
  assert.ok(Math.abs(u.mean - 1) < 0.02, `uniform mean ${u.mean}`);
  assert.ok(Math.abs(u.variance - 16 / 12) < 0.02, `uniform variance ${u.variance}`);
  const n = moments(values(run1('RandomNormal', [], { shape: [100000], mean: -2, scale: 0.5, seed: 12 })));
  assert.ok(Math.abs(n.mean + 2) < 0.01, `normal mean ${n.mean}`);
  assert.ok(Math.abs(n.variance - 0.25) < 0.01, `normal variance ${n.variance}`);
  const p = f32([100000], new Float32Array(100000).fill(0.3));
  const rate = moments(values(run1('Bernoulli', [p], { seed: 13 }))).mean;
  assert.ok(Math.abs(rate - 0.3) < 0.01, `rate ${rate}`);
  const logits = f32([1, 4], [Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)]);
  const k = values(run1('Multinomial', [logits], { sample_size: 100000, seed: 14 }));
  for (let c = 0; c < 4; c++) {
    const freq = k.filter((x) => x === c).length / k.length;
    assert.ok(Math.abs(freq - (c + 1) / 10) < 0.01, `class ${c}: ${freq}`);
  }
});

test('a seed fixes the stream; unseeded nodes get distinct streams', () => {
  const attrs = { shape: [16], seed: 3 };
  assert.deepEqual(values(run1('RandomUniform', [], attrs)), values(run1('RandomUniform', [], attrs)));
  assert.notDeepEqual(
    values(run1('RandomUniform', [], attrs)),
    values(run1('RandomUniform', [], { shape: [16], seed: 3.5 })),
  );
  assert.notDeepEqual(
    values(run1('RandomUniform', [], { shape: [16] })),
    values(run1('RandomUniform', [], { shape: [16] })),
  );
});

test('RandomUniform stays in [low, high) with the right mean, in the requested dtype', () => {
  const y = run1('RandomUniform', [], { shape: [100, 100], low: -2, high: 4, seed: 1 });
  assert.equal(y.dtype, 'float32');
  assert.deepEqual(y.shape, [100, 100]);
  const v = values(y);
  assert.ok(v.every((x) => x >= -2 && x < 4));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  assert.ok(Math.abs(mean - 1) < 0.05, `mean ${mean}`);
  assert.equal(run1('RandomUniform', [], { shape: [2], dtype: 10, seed: 1 }).dtype, 'float16');
  assert.throws(() => run1('RandomUniform', [], { shape: [2], dtype: 7 }), OpError);
  assert.throws(() => infer1('RandomUniform', []), OpError);
});

test('RandomNormal has the requested mean and scale', () => {
  const v = values(run1('RandomNormal', [], { shape: [20000], mean: 3, scale: 2, dtype: 11, seed: 7 }));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  assert.ok(Math.abs(mean - 3) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
});

test('the *Like ops take the input shape and, by default, its dtype', () => {
  const x = t('float64', [2, 3], [1, 2, 3, 4, 5, 6]);
  const u = run1('RandomUniformLike', [x], { seed: 0 });
  assert.equal(u.dtype, 'float64');
  assert.deepEqual(u.shape, [2, 3]);
  assert.equal(run1('RandomNormalLike', [x], { dtype: 1 }).dtype, 'float32');
  assert.deepEqual(infer1('RandomNormalLike', [{ dtype: 'float16', shape: ['N', 4] }]), {
    dtype: 'float16',
    shape: ['N', 4],
  });
  assert.throws(() => run1('RandomUniformLike', [t('int32', [2], [1, 2])]), OpError);
});

test('Bernoulli: p = 0 never and p = 1 always fires; dtype attribute picks the output type', () => {
  const p = f32([6], [0, 1, 0, 1, 0, 1]);
  assert.deepEqual(values(run1('Bernoulli', [p], { seed: 5 })), [0, 1, 0, 1, 0, 1]);
  const b = run1('Bernoulli', [p], { dtype: 9 });
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(Array.from(b.data as Uint8Array), [0, 1, 0, 1, 0, 1]);
  const half = values(run1('Bernoulli', [f32([4000], new Float32Array(4000).fill(0.5))], { seed: 2 }));
  const rate = half.reduce((a, c) => a + c, 0) / half.length;
  assert.ok(Math.abs(rate - 0.5) < 0.05, `rate ${rate}`);
});

test('Multinomial samples class indices in proportion to exp(logits)', () => {
  const logits = f32([2, 3], [0, 50, 0, Math.log(1), Math.log(3), -Infinity]);
  const y = run1('Multinomial', [logits], { sample_size: 4000, seed: 9 });
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(y.shape, [2, 4000]);
  const v = values(y);
  assert.ok(v.slice(0, 4000).every((k) => k === 1));
  const row = v.slice(4000);
  assert.ok(row.every((k) => k === 0 || k === 1));
  const ones = row.filter((k) => k === 1).length / row.length;
  assert.ok(Math.abs(ones - 0.75) < 0.05, `P(1) ${ones}`);
  assert.deepEqual(infer1('Multinomial', [logits], { sample_size: 5, dtype: 7 }), {
    dtype: 'int64',
    shape: [2, 5],
  });
});

test('every random op is marked not foldable', () => {
  for (const type of [
    'RandomUniform',
    'RandomNormal',
    'RandomUniformLike',
    'RandomNormalLike',
    'Bernoulli',
    'Multinomial',
  ]) {
    assert.equal(op(type).foldable, false, type);
  }
  assert.notEqual(op('Resize').foldable, false);
});
