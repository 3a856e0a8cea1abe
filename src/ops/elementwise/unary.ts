import { attr } from '../attributes.js';
import type { UnaryKernel } from './apply.js';
import { unaryOp } from './define.js';
import { erf } from './erf.js';
import { BOOL, FLOATS, INTS, NUMERIC, SIGNED } from './types.js';

/** Round half to even (numpy.round, ONNX Round): Math.round breaks ties toward +infinity. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const float = (f: (x: number) => number): UnaryKernel => ({ num: f });
const floatOp = (type: string, f: (x: number) => number) => unaryOp(type, FLOATS, {}, () => float(f));

export const unaryMathOps = [
  unaryOp('Abs', NUMERIC, {}, () => ({ num: Math.abs, big: (v) => (v < 0n ? -v : v) })),
  unaryOp('Neg', SIGNED, {}, () => ({ num: (x) => -x, big: (v) => -v })),
  unaryOp('Sign', NUMERIC, {}, () => ({
    num: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // NaN and signed zeros pass through, as numpy.sign
    big: (v) => (v > 0n ? 1n : v < 0n ? -1n : 0n),
  })),
  floatOp('Exp', Math.exp),
  floatOp('Log', Math.log),
  floatOp('Sqrt', Math.sqrt),
  floatOp('Reciprocal', (x) => 1 / x),
  floatOp('Floor', Math.floor),
  floatOp('Ceil', Math.ceil),
  floatOp('Round', roundHalfEven),
  floatOp('Sin', Math.sin),
  floatOp('Cos', Math.cos),
  floatOp('Tan', Math.tan),
  floatOp('Asin', Math.asin),
  floatOp('Acos', Math.acos),
  floatOp('Atan', Math.atan),
  floatOp('Sinh', Math.sinh),
  floatOp('Cosh', Math.cosh),
  floatOp('Asinh', Math.asinh),
  floatOp('Acosh', Math.acosh),
  floatOp('Atanh', Math.atanh),
  floatOp('Erf', erf),
  unaryOp('IsNaN', FLOATS, {}, () => float((x) => (x !== x ? 1 : 0)), 'bool'),
  unaryOp(
    'IsInf',
    FLOATS,
    { detect_negative: attr.int(1), detect_positive: attr.int(1) },
    (a) => {
      const neg = a.detect_negative !== 0;
      const pos = a.detect_positive !== 0;
      return float((x) => ((x === Infinity && pos) || (x === -Infinity && neg) ? 1 : 0));
    },
    'bool',
  ),
  unaryOp('Not', BOOL, {}, () => ({ num: (x) => (x ? 0 : 1) })),
  unaryOp('BitwiseNot', INTS, {}, () => ({ num: (x) => ~x, big: (v) => ~v })),
];
