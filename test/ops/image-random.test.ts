import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../src/ops/image/prng.js';
import { OpError } from '../../src/ops/op.js';
import { f32, infer1, op, run1, t, values } from '../helpers/op-harness.js';

test('xoshiro128** reproduces the published sequence from state (1, 2, 3, 4)', () => {
  const p = Prng.fromState(1, 2, 3, 4);
  assert.deepEqual(
    [p.nextUint32(), p.nextUint32(), p.nextUint32(), p.nextUint32()],
    [11520, 0, 5927040, 70819200],
  );
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
