import { binaryen, type FunctionBuilder, type Ref } from '../binaryen.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * Scalar float32 math runs the double routine and rounds once (as musl's expf/logf/sinf compute in
 * double): the result is within half an ulp plus ~2^-29 ulp of exact, i.e. correctly rounded but for
 * rare near-halfway cases. pow and fmod are exact or near-exact the same way (fmod is exact: the
 * remainder of two floats is representable in float).
 */

const UNARY = [
  'exp',
  'expm1',
  'log',
  'log1p',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'asinh',
  'acosh',
  'atanh',
  'erf',
  'sigmoid',
] as const;
const BINARY = ['pow', 'fmod'] as const;

const f32 = binaryen.f32;

function viaDouble(name: string, arity: number) {
  return (fb: FunctionBuilder, lib: MathLibrary): Ref => {
    const m = fb.m;
    const args = Array.from({ length: arity }, (_, i) => m.f64.promote(fb.param(i).get()));
    return m.f32.demote(lib.call(`${name}_f64`, args));
  };
}

export const f32Routines: Record<string, Routine> = Object.fromEntries([
  ...UNARY.map((n) => [`${n}_f32`, { params: [f32], result: f32, build: viaDouble(n, 1) }] as const),
  ...BINARY.map((n) => [`${n}_f32`, { params: [f32, f32], result: f32, build: viaDouble(n, 2) }] as const),
]);
