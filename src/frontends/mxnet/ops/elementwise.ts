/**
 * Elementwise MXNet ops: elemwise_* (equal shapes), broadcast_* (numpy broadcasting), the
 * _*_scalar family (the scalar cast to the input's type first, as MXNet does), comparisons (0/1 in
 * the input's type, not booleans), clip, add_n, where, Cast and unary math.
 */
import { attr } from '../../graph-builder.js';
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import { isDType } from '../../../ir/dtype.js';
import { MxUnsupported, type MxOpContext, type MxOp, type MxOpTable } from '../op-context.js';

type Binary = (c: MxOpContext, a: string, b: string) => string;

const arith =
  (onnx: string): Binary =>
  (c, a, b) =>
    c.one(onnx, [a, b]);

/** A comparison as MXNet gives it: 1 or 0 in the operands' type. */
const compare =
  (onnx: string, negate = false): Binary =>
  (c, a, b) => {
    let r = c.one(onnx, [a, b]);
    if (negate) r = c.one('Not', [r]);
    return c.one('Cast', [r], { to: attr.int(codeOfDType(c.dtypeOf(a))) });
  };

const logical =
  (onnx: string): Binary =>
  (c, a, b) => {
    const bool = (x: string) => c.one('Cast', [x], { to: attr.int(codeOfDType('bool')) });
    return c.one('Cast', [c.one(onnx, [bool(a), bool(b)])], { to: attr.int(codeOfDType(c.dtypeOf(a))) });
  };

/** MXNet's mod takes the divisor's sign (numpy's), which is ONNX Mod with fmod=0 for integers only. */
const mod: Binary = (c, a, b) => c.one('Sub', [a, c.one('Mul', [b, c.one('Floor', [c.one('Div', [a, b])])])]);

const BINARY: Readonly<Record<string, Binary>> = {
  add: arith('Add'),
  sub: arith('Sub'),
  mul: arith('Mul'),
  div: arith('Div'),
  mod,
  power: arith('Pow'),
  maximum: arith('Max'),
  minimum: arith('Min'),
  equal: compare('Equal'),
  not_equal: compare('Equal', true),
  greater: compare('Greater'),
  greater_equal: compare('GreaterOrEqual'),
  lesser: compare('Less'),
  lesser_equal: compare('LessOrEqual'),
  logical_and: logical('And'),
  logical_or: logical('Or'),
  logical_xor: logical('Xor'),
};

const binary = (f: Binary): MxOp => ({ lower: (c) => [f(c, c.input(0), c.input(1))] });

/** x op scalar, or scalar op x for the reversed forms. */
const scalarOp = (f: Binary, reversed = false): MxOp => ({
  lower: (c) => {
    const x = c.input(0);
    const s = c.scalarLike(c.attrs.float('scalar', 0), x);
    return [reversed ? f(c, s, x) : f(c, x, s)];
  },
});

const unary = (onnx: string): MxOp => ({ lower: (c) => [c.one(onnx, [c.input(0)])] });

function clip(c: MxOpContext): string[] {
  const x = c.input(0);
  if (!c.attrs.has('a_min') || !c.attrs.has('a_max')) throw new Error('clip needs a_min and a_max');
  return [
    c.one('Clip', [
      x,
      c.scalarLike(c.attrs.float('a_min', 0), x),
      c.scalarLike(c.attrs.float('a_max', 0), x),
    ]),
  ];
}

function cast(c: MxOpContext): string[] {
  const dtype = c.attrs.str('dtype', 'float32');
  if (!isDType(dtype)) throw new MxUnsupported(`dtype ${dtype}`);
  return [c.one('Cast', [c.input(0)], { to: attr.int(codeOfDType(dtype)) })];
}

const table: Record<string, MxOp> = {
  clip: { lower: clip },
  Cast: { lower: cast },
  cast: { lower: cast },
  add_n: {
    lower: (c) => [
      c.one(
        'Sum',
        Array.from({ length: c.inputCount }, (_, i) => c.input(i)),
      ),
    ],
  },
  ElementWiseSum: {
    lower: (c) => [
      c.one(
        'Sum',
        Array.from({ length: c.inputCount }, (_, i) => c.input(i)),
      ),
    ],
  },
  where: {
    lower: (c) => [
      c.one('Where', [
        c.one('Cast', [c.input(0)], { to: attr.int(codeOfDType('bool')) }),
        c.input(1),
        c.input(2),
      ]),
    ],
  },
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  rsqrt: { lower: (c) => [c.one('Reciprocal', [c.one('Sqrt', [c.input(0)])])] },
  square: { lower: (c) => [c.one('Mul', [c.input(0), c.input(0)])] },
  abs: unary('Abs'),
  negative: unary('Neg'),
  reciprocal: unary('Reciprocal'),
  floor: unary('Floor'),
  ceil: unary('Ceil'),
  round: unary('Round'),
  sign: unary('Sign'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  erf: unary('Erf'),
  zeros_like: { lower: (c) => [c.one('Mul', [c.input(0), c.scalarLike(0, c.input(0))])] },
  ones_like: {
    lower: (c) => [
      c.one('Add', [c.one('Mul', [c.input(0), c.scalarLike(0, c.input(0))]), c.scalarLike(1, c.input(0))]),
    ],
  },
};

for (const [name, f] of Object.entries(BINARY)) {
  table[`broadcast_${name}`] = binary(f);
  if (['add', 'sub', 'mul', 'div'].includes(name)) table[`elemwise_${name}`] = binary(f);
}
// older spellings
Object.assign(table, {
  broadcast_plus: binary(BINARY.add!),
  broadcast_minus: binary(BINARY.sub!),
  _plus: binary(BINARY.add!),
  _Plus: binary(BINARY.add!),
  _add: binary(BINARY.add!),
  _minus: binary(BINARY.sub!),
  _Minus: binary(BINARY.sub!),
  _sub: binary(BINARY.sub!),
  _mul: binary(BINARY.mul!),
  _Mul: binary(BINARY.mul!),
  _div: binary(BINARY.div!),
  _Div: binary(BINARY.div!),
  _maximum: binary(BINARY.maximum!),
  _Maximum: binary(BINARY.maximum!),
  _minimum: binary(BINARY.minimum!),
  _Minimum: binary(BINARY.minimum!),
  _power: binary(BINARY.power!),
  _Power: binary(BINARY.power!),
});
const SCALAR_FORMS: Readonly<Record<string, [Binary, boolean]>> = {
  _plus_scalar: [BINARY.add!, false],
  _PlusScalar: [BINARY.add!, false],
  _minus_scalar: [BINARY.sub!, false],
  _MinusScalar: [BINARY.sub!, false],
  _rminus_scalar: [BINARY.sub!, true],
  _RMinusScalar: [BINARY.sub!, true],
  _mul_scalar: [BINARY.mul!, false],
  _MulScalar: [BINARY.mul!, false],
  _div_scalar: [BINARY.div!, false],
  _DivScalar: [BINARY.div!, false],
  _rdiv_scalar: [BINARY.div!, true],
  _RDivScalar: [BINARY.div!, true],
  _mod_scalar: [mod, false],
  _rmod_scalar: [mod, true],
  _power_scalar: [BINARY.power!, false],
  _PowerScalar: [BINARY.power!, false],
  _rpower_scalar: [BINARY.power!, true],
  _RPowerScalar: [BINARY.power!, true],
  _maximum_scalar: [BINARY.maximum!, false],
  _MaximumScalar: [BINARY.maximum!, false],
  _minimum_scalar: [BINARY.minimum!, false],
  _MinimumScalar: [BINARY.minimum!, false],
  _equal_scalar: [BINARY.equal!, false],
  _not_equal_scalar: [BINARY.not_equal!, false],
  _greater_scalar: [BINARY.greater!, false],
  _greater_equal_scalar: [BINARY.greater_equal!, false],
  _lesser_scalar: [BINARY.lesser!, false],
  _lesser_equal_scalar: [BINARY.lesser_equal!, false],
};
for (const [name, [f, reversed]] of Object.entries(SCALAR_FORMS)) table[name] = scalarOp(f, reversed);

export const ELEMENTWISE_OPS: MxOpTable = table;
