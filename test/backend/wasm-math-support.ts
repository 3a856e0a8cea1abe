import { binary, constant, load, loopNest, store, unary } from '../../src/backend/kernel/build.js';
import type { BinaryFn, Kernel, UnaryFn } from '../../src/backend/kernel/ir.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { build, program } from './wasm-harness.js';

/**
 * Runs a math function of the renderer over arrays of points: scalar f64, scalar f32, and f32 in a
 * vectorized loop (the f32x4 routine where one exists).
 */

export type Mode = 'f64' | 'f32' | 'f32x4';

export function evalUnary(
  fn: UnaryFn,
  mode: Mode,
  xs: readonly number[],
  features: readonly WasmFeature[] = ['simd128'],
): number[] {
  const dtype = mode === 'f64' ? 'float64' : 'float32';
  const type = mode === 'f64' ? 'f64' : 'f32';
  const n = xs.length;
  const k: Kernel = {
    name: `${fn}_${mode}`,
    node: 'n',
    reads: ['x'],
    writes: ['y'],
    body: loopNest(
      'i',
      [n],
      ([i]) => [
        store(
          'y',
          dtype,
          { terms: [{ v: i!, stride: 1 }], offset: 0 },
          unary(fn, type, load('x', dtype, { terms: [{ v: i!, stride: 1 }], offset: 0 })),
        ),
      ],
      { vectorize: mode === 'f32x4' },
    ),
  };
  const b = build(program([k], { x: { dtype, elements: n }, y: { dtype, elements: n } }), features);
  (b.view('x') as Float64Array | Float32Array).set(xs);
  b.run();
  return [...(b.view('y') as Float64Array | Float32Array)];
}

export function evalBinary(
  fn: BinaryFn,
  mode: Mode,
  xs: readonly number[],
  ys: readonly number[] | number,
): number[] {
  const dtype = mode === 'f64' ? 'float64' : 'float32';
  const type = mode === 'f64' ? 'f64' : 'f32';
  const n = xs.length;
  const idx = (i: string) => ({ terms: [{ v: i, stride: 1 }], offset: 0 });
  const k: Kernel = {
    name: `${fn}_${mode}`,
    node: 'n',
    reads: ['x', 'z'],
    writes: ['y'],
    body: loopNest(
      'i',
      [n],
      ([i]) => [
        store(
          'y',
          dtype,
          idx(i!),
          binary(
            fn,
            type,
            load('x', dtype, idx(i!)),
            typeof ys === 'number' ? constant(type, ys) : load('z', dtype, idx(i!)),
          ),
        ),
      ],
      { vectorize: mode === 'f32x4' },
    ),
  };
  const b = build(
    program([k], { x: { dtype, elements: n }, z: { dtype, elements: n }, y: { dtype, elements: n } }),
  );
  (b.view('x') as Float64Array | Float32Array).set(xs);
  if (typeof ys !== 'number') (b.view('z') as Float64Array | Float32Array).set(ys);
  b.run();
  return [...(b.view('y') as Float64Array | Float32Array)];
}

/** Points over many binades of both signs, a fine grid near 0, and the special values. */
export function widePoints(maxExp: number, minExp: number, grid: number, f32: boolean): number[] {
  const out: number[] = [0, -0, Infinity, -Infinity, NaN];
  for (let e = minExp; e <= maxExp; e += 0.37) {
    const v = 2 ** e;
    out.push(v, -v);
  }
  for (let i = -grid; i <= grid; i++) out.push((i / grid) * 10);
  out.push(f32 ? 1.4e-45 : 5e-324, f32 ? 1e-40 : 1e-310);
  return f32 ? out.map(Math.fround) : out;
}

/**
 * erf in double to within ~3 ulp (checked against glibc): the Taylor series below 1.2, Laplace's
 * continued fraction for erfc beyond (evaluated backwards). Good for float32 checks; float64 ones use
 * a table.
 */
export function erfRef(x: number): number {
  if (Number.isNaN(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a < 1.2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) <= Math.abs(sum) * 1e-20) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (a > 27) return Math.sign(x);
  let f = a;
  for (let n = 6000; n >= 1; n--) f = a + n / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
}
