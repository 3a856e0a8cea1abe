/**
 * The Python-level part of TorchScript: builtins (int, len, range, getattr, ...), prim ops
 * (NumToTensor, RaiseException, ...) and the aten ops that work on sizes, lists and strings rather
 * than tensor data (size, dim, len, Int, append, ...). They compute at compile time.
 */
import { scalar as scalarTensor, toNumbers } from '../../ir/tensor.js';
import type { GraphBuilder } from '../graph-builder.js';
import { LowerError } from './aten/call.js';
import { scalarTypeOf } from './aten/promote.js';
import { ModelRaised } from './interpreter.js';
import { binaryOp, truthy } from './scalar-ops.js';
import {
  NONE,
  UNKNOWN,
  bool,
  describe,
  float,
  int,
  isScalar,
  list,
  str,
  tensor,
  type Value,
} from './values.js';

export interface BuiltinContext {
  readonly g: GraphBuilder;
  /** Notes that a value the code needs now depends on the input data. */
  dataDependent(what: string): void;
}

/** Returns undefined when the arguments are tensors the op table lowers instead. */
export type Builtin = (args: readonly Value[], c: BuiltinContext) => Value | undefined;

/** Longest range() unrolled. */
export const MAX_RANGE = 10_000;

function shapeOf(c: BuiltinContext, v: Value): number[] {
  if (v.kind !== 'tensor') throw new LowerError(`expected a Tensor, got ${describe(v)}`);
  const shape = c.g.typeOf(v.name)?.shape;
  if (!shape || shape.some((d) => typeof d !== 'number')) {
    const why = c.g.whyUnknown(v.name);
    throw new LowerError(`the shape of a tensor is not known${why ? `: ${why}` : ''}`);
  }
  return shape as number[];
}

/** The number a tensor holds, if known at compile time. */
function knownNumber(c: BuiltinContext, v: Value, what: string): number | undefined {
  if (v.kind === 'unknown') return undefined;
  if (isScalar(v)) return Number(v.value);
  if (v.kind !== 'tensor') throw new LowerError(`${what} of ${describe(v)}`);
  const t = c.g.constantValue(v.name);
  if (!t) {
    c.dataDependent(`${what} of a tensor computed from the input data`);
    return undefined;
  }
  const n = toNumbers(t);
  if (n.length !== 1) throw new LowerError(`${what} of a tensor with ${n.length} elements`);
  return n[0]!;
}

function toInt(c: BuiltinContext, v: Value): Value {
  if (v.kind === 'str') return int(Number.parseInt(v.value, 10));
  const n = knownNumber(c, v, 'int()');
  return n === undefined ? UNKNOWN : int(Math.trunc(n));
}

function toFloat(c: BuiltinContext, v: Value): Value {
  if (v.kind === 'str') return float(Number(v.value));
  const n = knownNumber(c, v, 'float()');
  return n === undefined ? UNKNOWN : float(n);
}

function toBool(c: BuiltinContext, v: Value): Value {
  if (v.kind !== 'tensor') return bool(truthy(v));
  const n = knownNumber(c, v, 'bool()');
  return n === undefined ? UNKNOWN : bool(n !== 0);
}

function length(c: BuiltinContext, v: Value): Value {
  if (v.kind === 'list' || v.kind === 'tuple') return int(v.items.length);
  if (v.kind === 'str') return int(v.value.length);
  if (v.kind === 'tensor') return int(shapeOf(c, v)[0] ?? 0);
  throw new LowerError(`len() of ${describe(v)}`);
}

function range(args: readonly Value[]): Value {
  const n = args.map((a) => {
    if (a.kind !== 'int' && a.kind !== 'bool') throw new LowerError(`range() of ${describe(a)}`);
    return Number(a.value);
  });
  const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
  if (step === 0) throw new LowerError('range() step must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new LowerError(`a loop of ${count} iterations is too long to unroll`, true);
  return list(Array.from({ length: count }, (_, i) => int(start + i * step)));
}

function minMax(which: 'min' | 'max', args: readonly Value[]): Value | undefined {
  const items =
    args.length === 1 && (args[0]!.kind === 'list' || args[0]!.kind === 'tuple') ? args[0]!.items : args;
  if (!items.every(isScalar) || items.length === 0) return undefined;
  return items.reduce((best, v) => (truthy(binaryOp(which === 'min' ? '<' : '>', v, best)) ? v : best));
}

function mathUnary(f: (x: number) => number, intResult = false): Builtin {
  return ([x]) => {
    if (!x || !isScalar(x)) return undefined;
    const y = f(Number(x.value));
    return intResult ? int(y) : float(y);
  };
}

/** Python builtins, by name. */
export const PY_BUILTINS: Readonly<Record<string, Builtin>> = {
  int: ([x], c) => toInt(c, x!),
  float: ([x], c) => toFloat(c, x!),
  bool: ([x], c) => toBool(c, x!),
  len: ([x], c) => length(c, x!),
  range: (args) => range(args),
  str: ([x]) => str(x!.kind === 'str' ? x!.value : isScalar(x!) ? String(x!.value) : describe(x!)),
  print: () => NONE,
  min: (args) => minMax('min', args),
  max: (args) => minMax('max', args),
  abs: mathUnary(Math.abs),
  'math.sqrt': mathUnary(Math.sqrt),
  'math.exp': mathUnary(Math.exp),
  'math.log': mathUnary(Math.log),
  'math.floor': mathUnary(Math.floor, true),
  'math.ceil': mathUnary(Math.ceil, true),
};

/** ops.prim.* */
export const PRIM_OPS: Readonly<Record<string, Builtin>> = {
  NumToTensor: ([x], c) => {
    if (!x || !isScalar(x)) throw new LowerError(`NumToTensor of ${describe(x!)}`);
    const dtype = x.kind === 'float' ? 'float64' : x.kind === 'int' ? 'int64' : 'bool';
    return tensor(c.g.constant(scalarTensor(dtype, Number(x.value)), 'num'));
  },
  RaiseException: ([msg]) => {
    throw new ModelRaised(msg?.kind === 'str' ? msg.value : 'the code raises an exception');
  },
  unchecked_cast: ([x]) => x!,
  device: () => ({ kind: 'device', value: 'cpu' }),
  dtype: ([x], c) => {
    if (x?.kind !== 'tensor') throw new LowerError(`dtype of ${describe(x!)}`);
    return int(scalarTypeOf(c.g.typeOf(x.name)!.dtype));
  },
  layout: () => int(0),
  is_cuda: () => bool(false),
  is_quantized: () => bool(false),
  requires_grad: () => bool(false),
  data: ([x]) => x!,
  min: (args) => minMax('min', args),
  max: (args) => minMax('max', args),
  TupleIndex: ([t, i]) => {
    if ((t?.kind !== 'tuple' && t?.kind !== 'list') || i?.kind !== 'int') throw new LowerError('TupleIndex');
    return t.items[i.value < 0 ? i.value + t.items.length : i.value]!;
  },
};

/** aten ops on sizes, lists and strings (the tensor ones fall through to the op table). */
export const PY_ATEN: Readonly<Record<string, Builtin>> = {
  size: ([x, dim], c) => {
    const shape = shapeOf(c, x!);
    if (!dim || dim.kind === 'none') return list(shape.map(int));
    if (dim.kind !== 'int') throw new LowerError(`size() dimension ${describe(dim)}`);
    const d = dim.value < 0 ? dim.value + shape.length : dim.value;
    if (d < 0 || d >= shape.length)
      throw new LowerError(`size(): dimension ${dim.value} of a rank-${shape.length} tensor`);
    return int(shape[d]!);
  },
  dim: ([x], c) => int(shapeOf(c, x!).length),
  numel: ([x], c) => int(shapeOf(c, x!).reduce((a, b) => a * b, 1)),
  len: ([x], c) => length(c, x!),
  Int: ([x], c) => toInt(c, x!),
  Float: ([x], c) => toFloat(c, x!),
  Bool: ([x], c) => toBool(c, x!),
  ScalarImplicit: ([x], c) => {
    const n = knownNumber(c, x!, 'a scalar');
    if (n === undefined) return UNKNOWN;
    const isFloat = x!.kind === 'tensor' && c.g.typeOf(x!.name)!.dtype.startsWith('float');
    return isFloat ? float(n) : int(n);
  },
  append: ([l, v]) => {
    if (l?.kind !== 'list') throw new LowerError(`append to ${describe(l!)}`);
    l.items.push(v!);
    return l;
  },
  list: ([l]) => {
    if (l?.kind !== 'list' && l?.kind !== 'tuple') return undefined;
    return list([...l.items]);
  },
  slice: ([l, start, end, step]) => {
    if (l?.kind !== 'list' && l?.kind !== 'str') return undefined;
    const n = l.kind === 'list' ? l.items.length : l.value.length;
    const pos = (v: Value | undefined, dflt: number): number => {
      if (!v || v.kind === 'none') return dflt;
      const i = Number((v as { value: number }).value);
      return Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    };
    const s = pos(start, 0);
    const e = pos(end, n);
    const k = step && step.kind === 'int' ? step.value : 1;
    const idx: number[] = [];
    for (let i = s; i < e; i += k) idx.push(i);
    return l.kind === 'list' ? list(idx.map((i) => l.items[i]!)) : str(idx.map((i) => l.value[i]).join(''));
  },
  __not__: ([x]) => bool(!truthy(x!)),
  __contains__: ([container, item]) => binaryOp('in', item!, container!),
  __range_length: ([lo, hi, step]) => {
    const [a, b, s] = [lo, hi, step].map((v) => Number((v as { value: number }).value));
    return int(Math.max(0, Math.ceil((b! - a!) / s!)));
  },
  __derive_index: ([index, start, step]) => {
    const [i, a, s] = [index, start, step].map((v) => Number((v as { value: number }).value));
    return int(a! + i! * s!);
  },
  device: ([name]) => ({ kind: 'device', value: name?.kind === 'str' ? name.value : 'cpu' }),
  warn: () => NONE,
  format: ([fmt, ...rest]) =>
    str(fmt?.kind === 'str' ? fmt.value.replace(/\{\}/g, () => describe(rest.shift() ?? NONE)) : ''),
  neg: mathUnaryOrTensor((x) => -x),
  abs: mathUnaryOrTensor(Math.abs),
  floor: mathUnary(Math.floor, true),
  ceil: mathUnary(Math.ceil, true),
  sqrt: mathUnary(Math.sqrt),
  min: (args) => minMax('min', args),
  max: (args) => minMax('max', args),
};

/** Keeps int-ness for -x and abs(x). */
function mathUnaryOrTensor(f: (x: number) => number): Builtin {
  return ([x]) => {
    if (!x || !isScalar(x)) return undefined;
    const y = f(Number(x.value));
    return x.kind === 'float' ? float(y) : int(y);
  };
}
