import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import { BOOL, FLOATS, INTS, NUMERIC, SIGNED } from '../../src/ops/elementwise/types.js';
import {
  check,
  float,
  input,
  int,
  sample,
  SHAPES,
  str,
  tolerance,
  type Tolerance,
} from './lower-elementwise-support.js';

/** One-input ops: every op, each dtype it allows, shapes [7], [1,3,5,4], scalar and empty, edge values. */
interface Case {
  readonly op: string;
  readonly dtypes: readonly DType[];
  readonly attrs?: Attrs;
  /** The lowering's formula differs from the reference's (f32 vs f64 steps): a few ulps. */
  readonly approx?: boolean;
}

const CASES: readonly Case[] = [
  { op: 'Abs', dtypes: NUMERIC },
  { op: 'Neg', dtypes: SIGNED },
  { op: 'Sign', dtypes: NUMERIC },
  ...['Exp', 'Log', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Tanh'].map((op) => ({
    op,
    dtypes: FLOATS,
  })),
  ...['Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'].map((op) => ({
    op,
    dtypes: FLOATS,
  })),
  { op: 'Erf', dtypes: FLOATS, approx: true },
  { op: 'Sigmoid', dtypes: FLOATS, approx: true },
  { op: 'IsNaN', dtypes: FLOATS },
  { op: 'IsInf', dtypes: FLOATS },
  { op: 'IsInf', dtypes: FLOATS, attrs: { detect_negative: int(0) } },
  { op: 'IsInf', dtypes: FLOATS, attrs: { detect_positive: int(0) } },
  { op: 'IsInf', dtypes: ['float32'], attrs: { detect_positive: int(0), detect_negative: int(0) } },
  { op: 'Not', dtypes: BOOL },
  { op: 'BitwiseNot', dtypes: INTS },
  { op: 'Relu', dtypes: SIGNED },
  // the schema's default alpha 0.01 is a double, the lowering's an f32 (as ONNX attributes are)
  { op: 'LeakyRelu', dtypes: FLOATS, approx: true },
  { op: 'LeakyRelu', dtypes: FLOATS, attrs: { alpha: float(0.25) } },
  { op: 'HardSigmoid', dtypes: FLOATS, approx: true },
  { op: 'HardSigmoid', dtypes: FLOATS, attrs: { alpha: float(0.25), beta: float(0.375) }, approx: true },
  { op: 'HardSwish', dtypes: FLOATS, approx: true },
  { op: 'Elu', dtypes: FLOATS, approx: true },
  { op: 'Elu', dtypes: FLOATS, attrs: { alpha: float(0.5) }, approx: true },
  { op: 'Selu', dtypes: FLOATS, approx: true },
  { op: 'Selu', dtypes: FLOATS, attrs: { alpha: float(2), gamma: float(3) }, approx: true },
  { op: 'Celu', dtypes: FLOATS, approx: true },
  { op: 'Celu', dtypes: FLOATS, attrs: { alpha: float(2) }, approx: true },
  { op: 'Gelu', dtypes: FLOATS, approx: true },
  { op: 'Gelu', dtypes: FLOATS, attrs: { approximate: str('tanh') }, approx: true },
  { op: 'Softplus', dtypes: FLOATS, approx: true },
  { op: 'Softsign', dtypes: FLOATS, approx: true },
  { op: 'Mish', dtypes: FLOATS, approx: true },
  { op: 'ThresholdedRelu', dtypes: FLOATS },
  { op: 'ThresholdedRelu', dtypes: FLOATS, attrs: { alpha: float(0.5) } },
  { op: 'Swish', dtypes: FLOATS, approx: true },
  { op: 'Swish', dtypes: FLOATS, attrs: { alpha: float(1.5) }, approx: true },
  { op: 'Shrink', dtypes: NUMERIC },
  { op: 'Shrink', dtypes: NUMERIC, attrs: { lambd: float(1.5), bias: float(0.75) } },
  { op: 'Shrink', dtypes: NUMERIC, attrs: { lambd: float(-2), bias: float(-1.25) } },
];

function tol(c: Case, dtype: DType): Tolerance {
  return c.approx ? tolerance(dtype) : 'exact';
}

const label = (attrs: Attrs | undefined) =>
  attrs ? ` {${Object.entries(attrs).map(([k, v]) => `${k}=${String(v.value)}`)}}` : '';

for (const c of CASES) {
  test(`${c.op}${label(c.attrs)} on ${c.dtypes.join(', ')}`, () => {
    for (const dtype of c.dtypes) {
      SHAPES.forEach((shape, k) => {
        check(c.op, [input('x', sample(dtype, shape, 11 + k))], c.attrs, tol(c, dtype));
      });
      // a wide range, where exp overflows and softplus/log1p/expm1 meet their large-argument forms
      check(c.op, [input('x', sample(dtype, [64], 3, { scale: 40 }))], c.attrs, tol(c, dtype));
      // and a narrow one, where expm1 and log1p meet their small-argument forms
      check(c.op, [input('x', sample(dtype, [64], 5, { scale: 1e-3 }))], c.attrs, tol(c, dtype));
    }
  });
}

test('a constant input is read from its weight buffer', () => {
  check('Relu', [input('x', sample('float32', [1, 3, 5, 4], 2), true)]);
});

test('Elu, Celu and Softplus keep their relative accuracy near 0 and far below it', () => {
  const xs = sample('float32', [40], 9, { scale: 1e-6, specials: false });
  for (const op of ['Elu', 'Celu', 'Selu']) check(op, [input('x', xs)], {}, { atol: 0, rtol: 1e-6 });
  const tail = sample('float32', [40], 9, { scale: 60, specials: false });
  for (const op of ['Softplus', 'Mish']) check(op, [input('x', tail)], {}, { atol: 0, rtol: 4e-6 });
});
