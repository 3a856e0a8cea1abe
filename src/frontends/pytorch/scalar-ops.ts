/**
 * Python's arithmetic and comparisons on the compile-time values of TorchScript code (sizes, flags,
 * strings, lists), with Python's rules: int op int stays int, `/` gives a float, `//` and `%` floor.
 * Also what the aten ops of scalar overloads (aten::add.int, aten::gt.float, ...) compute.
 */
import { LowerError } from './aten/call.js';
import { UNKNOWN, bool, float, int, describe, type Value } from './values.js';

export function truthy(v: Value): boolean {
  switch (v.kind) {
    case 'none':
      return false;
    case 'bool':
    case 'int':
    case 'float':
      return v.value !== 0 && v.value !== false;
    case 'str':
      return v.value.length > 0;
    case 'list':
    case 'tuple':
      return v.items.length > 0;
    default:
      return true;
  }
}

function num(v: Value): number | undefined {
  if (v.kind === 'int' || v.kind === 'float') return v.value;
  if (v.kind === 'bool') return v.value ? 1 : 0;
  return undefined;
}

export function unaryOp(op: string, v: Value): Value {
  if (v.kind === 'unknown') return UNKNOWN;
  if (op === 'not') return bool(!truthy(v));
  const n = num(v);
  if (n === undefined) throw new LowerError(`unary ${op} of ${describe(v)} is not supported`, true);
  const isFloat = v.kind === 'float';
  if (op === '-') return isFloat ? float(-n) : int(-n);
  if (op === '+') return v;
  if (op === '~' && !isFloat) return int(~n);
  throw new LowerError(`unary ${op} of ${describe(v)} is not supported`, true);
}

export function binaryOp(op: string, a: Value, b: Value): Value {
  if (a.kind === 'unknown' || b.kind === 'unknown') return UNKNOWN;
  if (op === 'is' || op === 'is not') {
    const same = a.kind === 'none' || b.kind === 'none' ? a.kind === b.kind : a === b;
    return bool(op === 'is' ? same : !same);
  }
  if (op === '==' || op === '!=') {
    const eq = equal(a, b);
    return bool(op === '==' ? eq : !eq);
  }
  if (op === 'in' || op === 'not in') {
    const found =
      b.kind === 'list' || b.kind === 'tuple'
        ? b.items.some((x) => equal(x, a))
        : b.kind === 'str' && a.kind === 'str'
          ? b.value.includes(a.value)
          : undefined;
    if (found === undefined) throw new LowerError(`'in' on ${describe(b)} is not supported`, true);
    return bool(op === 'in' ? found : !found);
  }
  if (op === '+' && a.kind === 'str' && b.kind === 'str') return { kind: 'str', value: a.value + b.value };
  if (op === '+' && (a.kind === 'list' || a.kind === 'tuple') && b.kind === a.kind)
    return { kind: a.kind, items: [...a.items, ...b.items] } as Value;
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined)
    throw new LowerError(`${describe(a)} ${op} ${describe(b)} is not supported`, true);
  const floats = a.kind === 'float' || b.kind === 'float';
  const out = (v: number): Value => (floats ? float(v) : int(v));
  switch (op) {
    case '+':
      return out(x + y);
    case '-':
      return out(x - y);
    case '*':
      return out(x * y);
    case '/':
      return float(x / y);
    case '//':
      if (!floats && y === 0) throw new LowerError('integer division by zero');
      return out(Math.floor(x / y));
    case '%':
      if (!floats && y === 0) throw new LowerError('integer modulo by zero');
      return out(x - y * Math.floor(x / y));
    case '**':
      return !floats && y >= 0 ? int(x ** y) : float(x ** y);
    case '<':
      return bool(x < y);
    case '<=':
      return bool(x <= y);
    case '>':
      return bool(x > y);
    case '>=':
      return bool(x >= y);
    case '&':
      return a.kind === 'bool' && b.kind === 'bool' ? bool(a.value && b.value) : int(x & y);
    case '|':
      return a.kind === 'bool' && b.kind === 'bool' ? bool(a.value || b.value) : int(x | y);
    case '^':
      return a.kind === 'bool' && b.kind === 'bool' ? bool(a.value !== b.value) : int(x ^ y);
    case '<<':
      return int(x * 2 ** y);
    case '>>':
      return int(Math.floor(x / 2 ** y));
    default:
      throw new LowerError(`operator ${op} is not supported`, true);
  }
}

function equal(a: Value, b: Value): boolean {
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) return x === y;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'none') return true;
  if (a.kind === 'str' || a.kind === 'device') return a.value === (b as typeof a).value;
  if (a.kind === 'list' || a.kind === 'tuple') {
    const items = (b as typeof a).items;
    return a.items.length === items.length && a.items.every((v, i) => equal(v, items[i]!));
  }
  return a === b;
}

/** aten ops that have int/float/bool overloads, by the Python operator they compute. */
export const SCALAR_ATEN: Readonly<Record<string, string>> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  floordiv: '//',
  remainder: '%',
  pow: '**',
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  __and__: '&',
  __or__: '|',
  __xor__: '^',
  __is__: 'is',
  __isnot__: 'is not',
};
