/**
 * Elementwise aten ops: arithmetic with PyTorch's type promotion (and alpha), comparisons,
 * activations, clamps, selects, dtype conversion, and the ops inference makes the identity
 * (dropout in eval mode, detach, contiguous). In-place forms (relu_, add_) rename their operand.
 */
import type { DType } from '../../../ir/dtype.js';
import { attr } from '../../graph-builder.js';
import { NONE, isScalar, tensor, type Value } from '../values.js';
import { LowerError, op, type AtenCall, type AtenOp, type AtenTable } from './call.js';
import { isFloating } from './promote.js';
import { asView, updateInPlace } from './views.js';

const out = (name: string): Value => tensor(name);

/** The in-place form `name` of a functional op: same result, which also replaces `self`. */
function inplace(name: string, functional: AtenOp): AtenOp {
  return op(`${name}(${schemaParams(functional)})`, (c) => {
    const self = c.value('self');
    const result = functional.lower(c);
    if (self.kind !== 'tensor' || result.kind !== 'tensor') return result;
    updateInPlace(self, c.cast(result.name, c.dtypeOf(self.name)));
    return self;
  });
}

function schemaParams(o: AtenOp): string {
  return o.schema.params
    .map((p) => (p.default === undefined ? p.name : `${p.name}=${defaultText(p.default)}`))
    .join(', ');
}

function defaultText(v: Value): string {
  if (v.kind === 'none') return 'None';
  if (v.kind === 'bool') return v.value ? 'True' : 'False';
  if (v.kind === 'str') return `"${v.value}"`;
  if (v.kind === 'float') return Number.isInteger(v.value) ? `${v.value}.` : String(v.value);
  if (v.kind === 'int') return String(v.value);
  if (v.kind === 'list') return `[${v.items.map(defaultText).join(', ')}]`;
  return 'None';
}

/** self `onnx` other, both promoted to the result type (alpha scales other). */
function arith(onnx: 'Add' | 'Sub' | 'Mul', c: AtenCall, self: Value, other: Value, alpha?: Value): string {
  const dt = c.resultType(self, other);
  const a = c.operand(self, dt);
  let b = c.operand(other, dt);
  // bools add as `or` and multiply as `and` (torch refuses to subtract them)
  if (dt === 'bool' && onnx !== 'Sub') return c.one(onnx === 'Add' ? 'Or' : 'And', [a, b]);
  if (alpha && !(isScalar(alpha) && Number(alpha.value) === 1)) b = c.one('Mul', [b, c.operand(alpha, dt)]);
  return c.one(onnx, [a, b]);
}

function divide(c: AtenCall, self: Value, other: Value, mode: string | undefined): string {
  const dt = c.resultType(self, other);
  if (mode === undefined) {
    const f = isFloating(dt) ? dt : 'float32';
    return c.one('Div', [c.operand(self, f), c.operand(other, f)]);
  }
  const a = c.operand(self, dt);
  const b = c.operand(other, dt);
  if (mode === 'trunc') {
    if (!isFloating(dt)) return c.one('Div', [a, b]);
    const q = c.one('Div', [a, b]);
    return c.one('Mul', [c.one('Sign', [q]), c.one('Floor', [c.one('Abs', [q])])]);
  }
  if (mode !== 'floor') throw new LowerError(`div rounding_mode "${mode}"`);
  if (isFloating(dt)) return c.one('Floor', [c.one('Div', [a, b])]);
  // floor(a / b) = (a - a mod b) / b, exact for integers, with mod taking the divisor's sign
  return c.one('Div', [c.one('Sub', [a, c.one('Mod', [a, b], { fmod: attr.int(0) })]), b]);
}

function remainder(c: AtenCall, self: Value, other: Value): string {
  const dt = c.resultType(self, other);
  const a = c.operand(self, dt);
  const b = c.operand(other, dt);
  if (!isFloating(dt)) return c.one('Mod', [a, b], { fmod: attr.int(0) });
  return c.one('Sub', [a, c.one('Mul', [b, c.one('Floor', [c.one('Div', [a, b])])])]);
}

function compare(onnx: string, negate = false): AtenOp {
  return op(`${onnx}(self, other)`, (c) => {
    const dt = c.resultType(c.value('self'), c.value('other'));
    const r = c.one(onnx, [c.operand(c.value('self'), dt), c.operand(c.value('other'), dt)]);
    return out(negate ? c.one('Not', [r]) : r);
  });
}

/** A float op: integer inputs compute in float32, as torch promotes them. */
function floatInput(c: AtenCall): string {
  const x = c.tensor('self');
  return isFloating(c.dtypeOf(x)) ? x : c.cast(x, 'float32');
}

function unary(
  onnx: string,
  attrs: Record<string, ReturnType<typeof attr.float>> = {},
  floats = true,
): AtenOp {
  return op('unary(self)', (c) => out(c.one(onnx, [floats ? floatInput(c) : c.tensor('self')], attrs)));
}

function clip(c: AtenCall, x: string, lo: number | undefined, hi: number | undefined): string {
  const dt = c.dtypeOf(x);
  const bound = (v: number | undefined): string =>
    v === undefined ? '' : c.operand({ kind: 'float', value: v }, dt);
  return c.one('Clip', [x, bound(lo), bound(hi)]);
}

/** clamp promotes with its bounds: an int64 tensor clamped to 0.5 is float32. */
function clamp(c: AtenCall, lo = c.value('min'), hi = c.value('max')): Value {
  const dt = c.resultType(c.value('self'), ...[lo, hi].filter((v) => v.kind !== 'none'));
  const x = c.cast(c.tensor('self'), dt);
  if (lo.kind === 'tensor' || hi.kind === 'tensor') {
    let y = x;
    if (lo.kind !== 'none') y = c.one('Max', [y, c.operand(lo, dt)]);
    if (hi.kind !== 'none') y = c.one('Min', [y, c.operand(hi, dt)]);
    return out(y);
  }
  const bound = (v: Value): number | undefined => (isScalar(v) ? Number(v.value) : undefined);
  return out(clip(c, x, bound(lo), bound(hi)));
}

/** floor, ceil and round leave integers as they are (ONNX's only take floats). */
function rounding(onnx: 'Floor' | 'Ceil'): AtenOp {
  return op('unary(self)', (c) => {
    const x = c.tensor('self');
    return out(isFloating(c.dtypeOf(x)) ? c.one(onnx, [x]) : x);
  });
}

/** round(x, decimals): half to even at 10^-decimals, as torch scales, rounds and scales back. */
function round(c: AtenCall): Value {
  const x = c.tensor('self');
  const dt = c.dtypeOf(x);
  if (!isFloating(dt)) return out(x);
  const decimals = c.int('decimals');
  if (decimals === 0) return out(c.one('Round', [x]));
  const k = c.operand({ kind: 'float', value: 10 ** Math.abs(decimals) }, dt);
  const [up, down] = decimals > 0 ? (['Mul', 'Div'] as const) : (['Div', 'Mul'] as const);
  return out(c.one(down, [c.one('Round', [c.one(up, [x, k])]), k]));
}

function toDtype(c: AtenCall): Value {
  const x = c.tensor('self');
  let dtype: DType | undefined;
  const dt = c.value('dtype');
  if (dt.kind === 'int') dtype = c.dtype('dtype');
  for (const name of ['a', 'b', 'c']) {
    if (dtype) break;
    const v = c.value(name);
    if (v.kind === 'int') dtype = c.dtype(name);
    else if (v.kind === 'tensor') dtype = c.dtypeOf(v.name);
  }
  return out(dtype ? c.cast(x, dtype) : x);
}

/** Ops inference makes the identity; the result shares the input's storage (a view of all of it). */
const identity = (schema: string): AtenOp => op(schema, (c) => asView(c, c.tensor('self'), (u) => u));

/** An in-place op that replaces every element of self: copy_(src), fill_(value), zero_(). */
function overwrite(c: AtenCall, from: Value): Value {
  const self = c.value('self');
  if (self.kind !== 'tensor') throw new LowerError(`${c.name} of a non-tensor`);
  const dt = c.dtypeOf(self.name);
  const shape = c.shapeOf(self.name);
  const value = c.one('Expand', [c.operand(from, dt), c.ints64(shape)]);
  updateInPlace(self, value);
  return self;
}

const ARITH: AtenTable = {
  'aten::add': op('add(self, other, alpha=1)', (c) =>
    out(arith('Add', c, c.value('self'), c.value('other'), c.value('alpha'))),
  ),
  'aten::sub': op('sub(self, other, alpha=1)', (c) =>
    out(arith('Sub', c, c.value('self'), c.value('other'), c.value('alpha'))),
  ),
  'aten::rsub': op('rsub(self, other, alpha=1)', (c) =>
    out(arith('Sub', c, c.value('other'), c.value('self'), c.value('alpha'))),
  ),
  'aten::mul': op('mul(self, other)', (c) => out(arith('Mul', c, c.value('self'), c.value('other')))),
  'aten::div': op('div(self, other, rounding_mode=None)', (c) =>
    out(
      divide(
        c,
        c.value('self'),
        c.value('other'),
        c.isNone('rounding_mode') ? undefined : c.str('rounding_mode'),
      ),
    ),
  ),
  'aten::true_divide': op('true_divide(self, other)', (c) =>
    out(divide(c, c.value('self'), c.value('other'), undefined)),
  ),
  'aten::floor_divide': op('floor_divide(self, other)', (c) =>
    out(divide(c, c.value('self'), c.value('other'), 'floor')),
  ),
  'aten::remainder': op('remainder(self, other)', (c) =>
    out(remainder(c, c.value('self'), c.value('other'))),
  ),
  'aten::pow': op('pow(self, exponent)', (c) => {
    const dt = c.resultType(c.value('self'), c.value('exponent'));
    return out(c.one('Pow', [c.operand(c.value('self'), dt), c.operand(c.value('exponent'), dt)]));
  }),
  'aten::eq': compare('Equal'),
  'aten::ne': compare('Equal', true),
  'aten::lt': compare('Less'),
  'aten::le': compare('LessOrEqual'),
  'aten::gt': compare('Greater'),
  'aten::ge': compare('GreaterOrEqual'),
  'aten::logical_not': op('logical_not(self)', (c) => out(c.one('Not', [c.cast(c.tensor('self'), 'bool')]))),
  'aten::bitwise_not': op('bitwise_not(self)', (c) => {
    if (c.dtypeOf(c.tensor('self')) !== 'bool') throw new LowerError('bitwise_not of integers', true);
    return out(c.one('Not', [c.tensor('self')]));
  }),
  'aten::logical_and': op('logical_and(self, other)', (c) =>
    out(c.one('And', [c.cast(c.tensor('self'), 'bool'), c.cast(c.tensor('other'), 'bool')])),
  ),
  'aten::logical_or': op('logical_or(self, other)', (c) =>
    out(c.one('Or', [c.cast(c.tensor('self'), 'bool'), c.cast(c.tensor('other'), 'bool')])),
  ),
};

const UNARY: AtenTable = {
  'aten::neg': unary('Neg', {}, false),
  'aten::abs': unary('Abs', {}, false),
  'aten::exp': unary('Exp'),
  'aten::log': unary('Log'),
  'aten::sqrt': unary('Sqrt'),
  'aten::rsqrt': op('rsqrt(self)', (c) => out(c.one('Reciprocal', [c.one('Sqrt', [floatInput(c)])]))),
  'aten::reciprocal': unary('Reciprocal'),
  'aten::erf': unary('Erf'),
  'aten::sin': unary('Sin'),
  'aten::cos': unary('Cos'),
  'aten::floor': rounding('Floor'),
  'aten::ceil': rounding('Ceil'),
  'aten::round': op('round(self, decimals=0)', round),
  'aten::sign': unary('Sign', {}, false),
  'aten::sigmoid': unary('Sigmoid'),
  'aten::tanh': unary('Tanh'),
  'aten::relu': unary('Relu', {}, false),
  'aten::silu': op('silu(self)', (c) => {
    const x = floatInput(c);
    return out(c.one('Mul', [x, c.one('Sigmoid', [x])]));
  }),
  'aten::gelu': op('gelu(self, approximate="none")', (c) =>
    out(c.one('Gelu', [floatInput(c)], { approximate: attr.string(c.str('approximate')) })),
  ),
  'aten::hardswish': unary('HardSwish'),
  'aten::hardsigmoid': unary('HardSigmoid', { alpha: attr.float(1 / 6), beta: attr.float(0.5) }),
  'aten::relu6': op('relu6(self)', (c) => out(clip(c, c.tensor('self'), 0, 6))),
  'aten::hardtanh': op('hardtanh(self, min_val=-1., max_val=1.)', (c) =>
    out(clip(c, c.tensor('self'), c.number('min_val'), c.number('max_val'))),
  ),
  'aten::leaky_relu': op('leaky_relu(self, negative_slope=0.01)', (c) =>
    out(c.one('LeakyRelu', [floatInput(c)], { alpha: attr.float(c.number('negative_slope')) })),
  ),
  'aten::elu': op('elu(self, alpha=1, scale=1, input_scale=1)', (c) => {
    if (c.number('scale') !== 1 || c.number('input_scale') !== 1)
      throw new LowerError('elu with scale', true);
    return out(c.one('Elu', [floatInput(c)], { alpha: attr.float(c.number('alpha')) }));
  }),
  'aten::selu': unary('Selu'),
  'aten::softplus': op('softplus(self, beta=1, threshold=20)', (c) => {
    // log(1 + exp(beta x)) / beta; torch's threshold (x itself above it) is the same value in float32
    const beta = c.number('beta');
    const x = floatInput(c);
    if (beta === 1) return out(c.one('Softplus', [x]));
    const k = c.operand({ kind: 'float', value: beta }, c.dtypeOf(x));
    return out(c.one('Div', [c.one('Softplus', [c.one('Mul', [x, k])]), k]));
  }),
  'aten::mish': unary('Mish'),
  'aten::prelu': op('prelu(self, weight)', (c) => {
    const x = c.tensor('self');
    const w = c.tensor('weight');
    const rank = c.rankOf(x);
    const n = c.shapeOf(w)[0] ?? 1;
    // one slope per channel (dim 1), broadcast over the trailing dims
    const slope =
      rank >= 2 && n > 1 ? c.one('Reshape', [w, c.ints64([n, ...new Array<number>(rank - 2).fill(1)])]) : w;
    return out(c.one('PRelu', [x, slope]));
  }),
  'aten::clamp': op('clamp(self, min=None, max=None)', (c) => clamp(c)),
  'aten::clip': op('clip(self, min=None, max=None)', (c) => clamp(c)),
  'aten::clamp_min': op('clamp_min(self, min)', (c) => clamp(c, c.value('min'), NONE)),
  'aten::clamp_max': op('clamp_max(self, max)', (c) => clamp(c, NONE, c.value('max'))),
};

const SELECT: AtenTable = {
  'aten::where': op('where(condition, self, other)', (c) => {
    const dt = c.resultType(c.value('self'), c.value('other'));
    return out(
      c.one('Where', [
        c.cast(c.tensor('condition'), 'bool'),
        c.operand(c.value('self'), dt),
        c.operand(c.value('other'), dt),
      ]),
    );
  }),
  'aten::masked_fill': op('masked_fill(self, mask, value)', (c) => {
    const x = c.tensor('self');
    return out(
      c.one('Where', [c.cast(c.tensor('mask'), 'bool'), c.operand(c.value('value'), c.dtypeOf(x)), x]),
    );
  }),
  'aten::to': op(
    'to(self, a=None, b=None, c=None, d=None, e=None, dtype=None, layout=None, device=None, pin_memory=None, non_blocking=False, copy=False, memory_format=None)',
    toDtype,
  ),
  'aten::type_as': op('type_as(self, other)', (c) =>
    out(c.cast(c.tensor('self'), c.dtypeOf(c.tensor('other')))),
  ),
  'aten::detach': identity('detach(self)'),
  'aten::contiguous': identity('contiguous(self, memory_format=0)'),
  'aten::clone': op('clone(self, memory_format=None)', (c) => out(c.tensor('self'))),
  'aten::copy_': op('copy_(self, src, non_blocking=False)', (c) => overwrite(c, c.value('src'))),
  'aten::fill_': op('fill_(self, value)', (c) => overwrite(c, c.value('value'))),
  'aten::zero_': op('zero_(self)', (c) => overwrite(c, { kind: 'int', value: 0 })),
  'aten::dropout': identity('dropout(self, p, train)'),
  'aten::feature_dropout': identity('feature_dropout(self, p, train)'),
  'aten::alpha_dropout': identity('alpha_dropout(self, p, train)'),
  'aten::lift_fresh': identity('lift_fresh(self)'),
};

const INPLACE = Object.fromEntries(
  [
    'add',
    'sub',
    'mul',
    'div',
    'relu',
    'relu6',
    'sigmoid',
    'tanh',
    'hardtanh',
    'hardswish',
    'hardsigmoid',
    'leaky_relu',
    'elu',
    'clamp',
    'clamp_min',
    'clamp_max',
    'masked_fill',
    'exp',
    'neg',
    'silu',
    'gelu',
    'floor',
    'sqrt',
    'pow',
  ].map((n) => {
    const f = ARITH[`aten::${n}`] ?? UNARY[`aten::${n}`] ?? SELECT[`aten::${n}`];
    if (!f) throw new Error(`no functional form for aten::${n}_`);
    return [`aten::${n}_`, inplace(`${n}_`, f)];
  }),
) as AtenTable;

export const ELEMENTWISE_OPS: AtenTable = { ...ARITH, ...UNARY, ...SELECT, ...INPLACE };
