import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binary, compare, constant, load, select, store, unary } from '../../src/backend/kernel/build.js';
import type { Expr, Kernel, Scalar, Stmt } from '../../src/backend/kernel/ir.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { build, program } from './wasm-harness.js';

/**
 * Accumulators in vectorized loops (src/backend/wasm/vectorize-reduce.ts): `acc = acc (+) e` runs
 * as four partial results folded after the loop, and the scalar remainder continues from them.
 * Every row length from 0 to 13 (none, only the remainder, whole vectors, both), against a plain
 * JavaScript fold; sums within reassociation error, min/max/select and integers exact.
 */

const FEATURES: readonly (readonly WasmFeature[])[] = [['simd128'], ['simd128', 'relaxed-simd']];
const ix = (v: string) => ({ terms: [{ v, stride: 1 }], offset: 0 });
const local = (type: Scalar): Expr => ({ op: 'local', name: 'acc', type });

/** out[0] = fold over x[0..n) of `update(acc, x[i])` from `init`; the loop is marked vectorize. */
function runFold(
  n: number,
  type: Scalar,
  xs: readonly number[],
  init: number,
  update: (acc: Expr, e: Expr) => Expr,
  features: readonly WasmFeature[],
  extra: readonly Stmt[] = [],
): number {
  const dtype = type === 'f32' ? 'float32' : 'int32';
  const body: Stmt[] = [
    { op: 'set', name: 'acc', type, value: constant(type, init) },
    {
      op: 'loop',
      v: 'i',
      extent: n,
      vectorize: true,
      body: [
        ...extra,
        { op: 'set', name: 'acc', type, value: update(local(type), load('x', dtype, ix('i'))) },
      ],
    },
    store('y', dtype, { terms: [], offset: 0 }, local(type)),
  ];
  const k: Kernel = { name: 'fold', node: 'n', reads: ['x', 'z'], writes: ['y', 'z'], body };
  const b = build(
    program([k], {
      x: { dtype, elements: Math.max(1, n) },
      y: { dtype, elements: 1 },
      z: { dtype, elements: Math.max(1, n) },
    }),
    features,
  );
  (b.view('x') as Float32Array | Int32Array).set(xs.slice(0, n));
  b.run();
  return b.view('y')[0] as number;
}

function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(Math.sin((i + 1) * 1.7 + seed) * 10));
}

test('float sums, products, min and max fold over every row length', () => {
  for (const features of FEATURES) {
    for (let n = 0; n <= 13; n++) {
      const xs = values(n, n);
      const sum = runFold(n, 'f32', xs, 0.5, (a, e) => binary('add', 'f32', a, e), features);
      const want = xs.reduce((a, b) => a + b, 0.5);
      assert.ok(Math.abs(sum - want) <= 1e-5 * (1 + Math.abs(want)), `sum n=${n}: ${sum} vs ${want}`);
      const small = xs.map((x) => Math.fround(1 + x / 100));
      const prod = runFold(n, 'f32', small, 2, (a, e) => binary('mul', 'f32', e, a), features);
      const wantProd = small.reduce((a, b) => a * b, 2);
      assert.ok(Math.abs(prod - wantProd) <= 1e-5 * Math.abs(wantProd), `product n=${n}`);
      for (const fn of ['min', 'max'] as const) {
        const got = runFold(n, 'f32', xs, 3, (a, e) => binary(fn, 'f32', a, e), features);
        assert.equal(
          got,
          xs.reduce((a, b) => Math[fn](a, b), 3),
          `${fn} n=${n}`,
        );
      }
    }
  }
});

test('the NaN-skipping max of softmax rows (e > acc ? e : acc) folds exactly', () => {
  const skip = (a: Expr, e: Expr): Expr => select('f32', compare('gt', 'f32', e, a), e, a);
  for (const features of FEATURES) {
    for (let n = 0; n <= 13; n++) {
      const xs = values(n, 2 * n);
      if (n > 2) xs[n - 2] = NaN;
      let want = -Infinity;
      for (const x of xs) if (x > want) want = x;
      assert.equal(runFold(n, 'f32', xs, -Infinity, skip, features), want, `n=${n}`);
      // the mirrored spelling: acc < e ? e : acc
      const mirrored = (a: Expr, e: Expr): Expr => select('f32', compare('lt', 'f32', a, e), e, a);
      assert.equal(runFold(n, 'f32', xs, -Infinity, mirrored, features), want, `mirrored n=${n}`);
    }
  }
});

test('integer sums wrap and bitwise folds are exact', () => {
  for (const features of FEATURES) {
    for (let n = 0; n <= 13; n++) {
      const xs = Array.from({ length: n }, (_, i) => (i * 0x3fffffff + 7) | 0);
      const sum = runFold(n, 'i32', xs, 5, (a, e) => binary('add', 'i32', a, e), features);
      assert.equal(
        sum,
        xs.reduce((a, b) => (a + b) | 0, 5),
        `add n=${n}`,
      );
      const xor = runFold(n, 'i32', xs, 1, (a, e) => binary('xor', 'i32', a, e), features);
      assert.equal(
        xor,
        xs.reduce((a, b) => a ^ b, 1),
        `xor n=${n}`,
      );
      const umax = runFold(n, 'i32', xs, 0, (a, e) => binary('max', 'i32', a, e, true), features);
      assert.equal(
        umax,
        xs.reduce((a, b) => (a >>> 0 > b >>> 0 ? a : b), 0),
        `unsigned max n=${n}`,
      );
    }
  }
});

test('a fold whose element comes from a local set in the body, and one with an order-dependent update', () => {
  for (const features of FEATURES) {
    for (const n of [5, 8, 11]) {
      const xs = values(n, 7);
      // t = exp(x); acc += t (softmax's exp-and-sum pass)
      const t: Stmt = {
        op: 'set',
        name: 't',
        type: 'f32',
        value: unary('exp', 'f32', load('x', 'float32', ix('i'))),
      };
      const tl: Expr = { op: 'local', name: 't', type: 'f32' };
      const got = runFold(n, 'f32', xs, 0, (a) => binary('add', 'f32', a, tl), features, [t]);
      const want = xs.reduce((a, b) => a + Math.exp(b), 0);
      assert.ok(Math.abs(got - want) <= 2e-6 * want, `exp sum n=${n}: ${got} vs ${want}`);
      // acc = acc * 0.5 + x is not associative: it must run in order (as a scalar loop)
      const horner = (a: Expr, e: Expr): Expr =>
        binary('add', 'f32', binary('mul', 'f32', a, constant('f32', 0.5)), e);
      const seq = xs.reduce((a, b) => Math.fround(Math.fround(a * 0.5) + b), 1);
      assert.equal(runFold(n, 'f32', xs, 1, horner, features), seq, `ordered n=${n}`);
    }
  }
});
