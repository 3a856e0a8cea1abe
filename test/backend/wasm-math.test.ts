import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UnaryFn } from '../../src/backend/kernel/ir.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { ulpError, ulpError64 } from './wasm-harness.js';
import { erfRef, evalBinary, evalUnary, widePoints, type Mode } from './wasm-math-support.js';

/**
 * The renderer's math routines against Math.* (and an erf reference) over every binade of the
 * type, a fine grid on [-10, 10], and +-0, +-inf, NaN and subnormals. Bounds are in ulps of the
 * result type: scalar float32 (computed in double) must round correctly but for rare halfway
 * cases, f32x4 routines meet the contract of src/backend/wasm/math/f32x4.ts (with and without
 * relaxed-SIMD fused multiply-add, and flushing results below 2^-126 to 0), double within 1-3 ulp
 * of V8's fdlibm.
 */

const sigmoidRef = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

const REFS: Partial<Record<UnaryFn, (x: number) => number>> = {
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: sigmoidRef,
  erf: erfRef,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
};

/** Max ulps allowed: float32 scalar, f32x4 (vectorized loop), float64. */
const BOUNDS: Partial<Record<UnaryFn, [number, number, number]>> = {
  exp: [1, 1, 2],
  log: [1, 1, 2],
  tanh: [1, 3, 2],
  sigmoid: [1, 2.5, 4],
  erf: [1, 7, Infinity], // double erf is checked against a table below
  sin: [1, 1, 3],
  cos: [1, 1, 3],
  tan: [1, 1, 4],
  asin: [1, 1, 2],
  acos: [1, 1, 2],
  atan: [1, 1, 2],
  sinh: [1, 1, 2],
  cosh: [1, 1, 2],
  asinh: [1, 1, 2],
  acosh: [1, 1, 2],
  atanh: [1, 1, 2],
};

const MODES: readonly Mode[] = ['f32', 'f32x4', 'f64'];
const RELAXED: readonly WasmFeature[] = ['simd128', 'relaxed-simd'];
/** The smallest normal float32: f32x4 routines flush results below it to 0. */
const MIN_NORMAL = 2 ** -126;

function checkRange(
  fn: UnaryFn,
  ref: (x: number) => number,
  mode: Mode,
  bound: number,
  relaxed: boolean,
): void {
  const f64 = mode === 'f64';
  const xs = widePoints(f64 ? 1023 : 127, f64 ? -1074 : -149, 5000, !f64);
  const ys = evalUnary(fn, mode, xs, relaxed ? RELAXED : undefined);
  let worst = 0;
  let where = '';
  ys.forEach((y, i) => {
    const want = ref(xs[i]!);
    if (mode === 'f32x4' && Math.abs(want) < MIN_NORMAL && y === 0) return;
    const e = f64 ? ulpError64(y, want) : ulpError(y, want);
    if (!(e <= worst)) {
      worst = e;
      where = `${fn}(${xs[i]}) = ${y}, want ${want}`;
    }
    // signs of zero results follow the argument for odd functions
    if (want === 0 && Object.is(want, -0) !== Object.is(y, -0) && fn !== 'sigmoid' && fn !== 'exp') {
      assert.fail(`${fn}(${xs[i]}) = ${y}, want ${want}`);
    }
  });
  assert.ok(worst <= bound, `${worst.toFixed(2)} ulp at ${where}`);
}

for (const [fn, ref] of Object.entries(REFS) as [UnaryFn, (x: number) => number][]) {
  MODES.forEach((mode, m) => {
    const bound = BOUNDS[fn]![m]!;
    if (bound === Infinity) return;
    test(`${fn} ${mode} within ${bound} ulp over the whole range`, () =>
      checkRange(fn, ref, mode, bound, false));
    if (mode === 'f32x4') {
      test(`${fn} f32x4 with fused multiply-add within ${bound} ulp`, () =>
        checkRange(fn, ref, mode, bound, true));
    }
  });
}

test('exp and sigmoid overflow to inf; scalar code underflows through subnormals to 0', () => {
  const [a, b, c, d, e, f] = evalUnary('exp', 'f32', [88.72, 88.73, -87.3, -103.9, -104, -1e30]);
  assert.ok(Number.isFinite(a) && b === Infinity && c! > 0 && d! > 0 && d! < 1.2e-38 && e === 0 && f === 0);
  const s = evalUnary('sigmoid', 'f32', [-100, -104, 100, Infinity, -Infinity, NaN]);
  assert.ok(s[0]! > 0 && s[0]! < 1e-43, `sigmoid(-100) = ${s[0]}`);
  assert.deepEqual(s.slice(1), [0, 1, 1, 0, NaN]);
});

test('f32x4 exp and sigmoid flush results below the normal range to 0, and only those', () => {
  for (const features of [undefined, RELAXED]) {
    const xs = [88.7228, 88.72284, -87.33654, -87.33655, -103.9, -1e30, Infinity, -Infinity, NaN].map(
      Math.fround,
    );
    const [a, b, c, d, e, f, g, h, i] = evalUnary('exp', 'f32x4', xs, features);
    assert.ok(Number.isFinite(a) && b === Infinity && c! >= MIN_NORMAL, `exp: ${a} ${b} ${c}`);
    assert.deepEqual([d, e, f, g, h, i], [0, 0, 0, Infinity, 0, NaN]);
    const s = evalUnary(
      'sigmoid',
      'f32x4',
      [-87.33654, -87.34, -100, 100, Infinity, -Infinity, NaN],
      features,
    );
    assert.ok(s[0]! >= MIN_NORMAL, `sigmoid(-87.33654) = ${s[0]}`);
    assert.deepEqual(s.slice(1), [0, 0, 1, 1, 0, NaN]);
  }
});

test('f32x4 tanh and erf saturate at exactly +-1 and keep the sign of zero', () => {
  for (const features of [undefined, RELAXED]) {
    for (const fn of ['tanh', 'erf'] as const) {
      const got = evalUnary(fn, 'f32x4', [9.2, -50, Infinity, -Infinity, 0, -0, NaN, 1e-30], features);
      assert.deepEqual(got.slice(0, 7), [1, -1, 1, -1, 0, -0, NaN], fn);
      assert.ok(
        Math.abs(got[7]! / (fn === 'tanh' ? 1e-30 : (2 / Math.sqrt(Math.PI)) * 1e-30) - 1) < 1e-6,
        `${fn}(1e-30)`,
      );
    }
  }
});

/** erf(x) from glibc (Python's math.erf), correctly rounded to double. */
const ERF_TABLE: readonly [number, number][] = [
  [0.0, 0.0],
  [1e-300, 1.1283791670955126e-300],
  [1e-20, 1.1283791670955125e-20],
  [1e-9, 1.1283791670955127e-9],
  [-1e-5, -1.1283791670579e-5],
  [0.01, 0.011283415555849616],
  [-0.1, -0.1124629160182849],
  [0.3, 0.3286267594591274],
  [0.5, 0.5204998778130465],
  [-0.6, -0.6038560908479259],
  [0.75, 0.7111556336535151],
  [0.84, 0.7651427114549946],
  [0.85, 0.7706680576083526],
  [-0.9, -0.7969082124228322],
  [1.0, 0.8427007929497149],
  [1.1, 0.8802050695740817],
  [-1.2, -0.9103139782296353],
  [1.25, 0.9229001282564582],
  [1.3, 0.9340079449406524],
  [1.5, 0.9661051464753108],
  [-1.75, -0.9866716712191824],
  [2.0, 0.9953222650189527],
  [2.25, 0.9985372834133188],
  [2.5, 0.999593047982555],
  [-2.75, -0.9998993780778803],
  [2.857, 0.9999466417399131],
  [2.86, 0.9999475988269556],
  [3.0, 0.9999779095030014],
  [3.5, 0.9999992569016276],
  [-4.0, -0.9999999845827421],
  [4.5, 0.9999999998033839],
  [5.0, 0.9999999999984626],
  [5.5, 0.9999999999999927],
  [-5.9, -0.9999999999999999],
  [6.0, 1.0],
  [10.0, 1.0],
];

test('erf f64 within 1 ulp of glibc', () => {
  const got = evalUnary(
    'erf',
    'f64',
    ERF_TABLE.map(([x]) => x),
  );
  ERF_TABLE.forEach(([x, want], i) =>
    assert.ok(ulpError64(got[i]!, want) <= 1, `erf(${x}) = ${got[i]}, want ${want}`),
  );
  assert.deepEqual(evalUnary('erf', 'f64', [Infinity, -Infinity, NaN, -0]), [1, -1, NaN, -0]);
});

/** C99 / numpy pow: 1 for pow(x, 0) and pow(1, y) even with NaN, and pow(-1, +-inf) = 1. */
function cPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && Math.abs(y) === Infinity) return 1;
  return Math.pow(x, y);
}

test('pow special cases follow C99 (what numpy and onnxruntime return)', () => {
  const specials = [0, -0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 2.5, Infinity, -Infinity, NaN, 1e-310, 1e300];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const x of specials) {
    for (const y of specials) {
      xs.push(x);
      ys.push(y);
    }
  }
  for (const mode of ['f64', 'f32', 'f32x4'] as const) {
    const X = mode === 'f64' ? xs : xs.map(Math.fround);
    const Y = mode === 'f64' ? ys : ys.map(Math.fround);
    const got = evalBinary('pow', mode, X, Y);
    got.forEach((g, i) => {
      const want = mode === 'f64' ? cPow(X[i]!, Y[i]!) : Math.fround(cPow(X[i]!, Y[i]!));
      assert.ok(
        Object.is(g, want) || ulpError64(g, want) <= 1,
        `${mode} pow(${X[i]}, ${Y[i]}) = ${g}, want ${want}`,
      );
    });
  }
});

test('pow f64 within 1 ulp from subnormal to overflowing results; f32 correctly rounded', () => {
  let seed = 11;
  const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const x = 2 ** (rnd() * 2100 - 1075) * (rnd() < 0.5 ? -1 : 1);
    const reach = 1074 / (Math.abs(Math.log2(Math.abs(x))) || 1);
    const y = (rnd() * 2 - 1) * reach * 1.1;
    xs.push(x);
    ys.push(x < 0 || rnd() < 0.3 ? Math.round(y) : y);
  }
  const got = evalBinary('pow', 'f64', xs, ys);
  got.forEach((g, i) =>
    assert.ok(ulpError64(g, cPow(xs[i]!, ys[i]!)) <= 1, `pow(${xs[i]}, ${ys[i]}) = ${g}`),
  );
  const X = xs.map((x) => Math.fround(x / 2 ** Math.round(Math.log2(Math.abs(x)) * 0.9)));
  const Y = ys.map((y) => Math.fround(Math.max(-30, Math.min(30, y))));
  const got32 = evalBinary('pow', 'f32', X, Y);
  got32.forEach((g, i) =>
    assert.ok(ulpError(g, cPow(X[i]!, Y[i]!)) <= 0.5 + 1e-6, `pow(${X[i]}, ${Y[i]}) = ${g}`),
  );
});

test('pow with constant exponents 2, 3, 0.5, -1, 1, 0 (vectorized forms)', () => {
  const xs = [2, -3, 0.25, -0, Infinity, -Infinity, NaN, 1e20].map(Math.fround);
  for (const p of [2, 3, 0.5, -1, 1, 0]) {
    for (const mode of ['f32', 'f32x4', 'f64'] as const) {
      const got = evalBinary('pow', mode, xs, p);
      xs.forEach((x, i) => {
        const want = mode === 'f64' ? cPow(x, p) : Math.fround(cPow(x, p));
        assert.ok(
          Object.is(got[i], want) || ulpError(got[i]!, want) <= 1,
          `${mode} pow(${x}, ${p}) = ${got[i]}`,
        );
      });
    }
  }
});

test('fmod is exact, with the sign of the dividend', () => {
  const xs = [5.5, -5.5, 1e300, 3, -0, 7, Infinity, 1, 2 ** -1070, 1e-300, 6.0];
  const ys = [2, 2, 3.3, Infinity, 1, 0, 1, NaN, 2 ** -1073, 3e-301, -4];
  for (const mode of ['f64', 'f32'] as const) {
    const X = mode === 'f64' ? xs : xs.map(Math.fround);
    const Y = mode === 'f64' ? ys : ys.map(Math.fround);
    const got = evalBinary('rem', mode, X, Y);
    got.forEach((g, i) => assert.ok(Object.is(g, X[i]! % Y[i]!), `${mode} fmod(${X[i]}, ${Y[i]}) = ${g}`));
  }
});
