import { isBigInt } from '../../../ir/dtype.js';
import { getNumber, type Tensor } from '../../../ir/tensor.js';
import { binary, compare, computeType, constant, convert, select, unary } from '../../kernel/build.js';
import type { BinaryFn, CompareFn, Expr, Scalar, Stmt, UnaryFn } from '../../kernel/ir.js';

/**
 * The scalar side of elementwise lowerings: an expression builder bound to one compute type, and a
 * scope that names subexpressions used more than once, so a formula like Gelu's reads its input once.
 */

/** The compute type an expression yields. */
export function typeOf(e: Expr): Scalar {
  switch (e.op) {
    case 'const':
    case 'local':
      return e.type;
    case 'var':
    case 'compare':
      return 'i32';
    case 'load':
      return computeType(e.dtype);
    case 'unary':
      return e.fn === 'isnan' ? 'i32' : e.type;
    case 'binary':
    case 'select':
      return e.type;
    case 'convert':
      return e.to;
  }
}

/** The statements of one loop body: `let` binds a value to a local the rest of the body reuses. */
export class Scope {
  readonly stmts: Stmt[] = [];
  private count = 0;

  constructor(private readonly prefix: string) {}

  let(e: Expr): Expr {
    if (e.op === 'const' || e.op === 'local' || e.op === 'var') return e;
    const name = `${this.prefix}t${this.count++}`;
    const type = typeOf(e);
    this.stmts.push({ op: 'set', name, type, value: e });
    return { op: 'local', name, type };
  }
}

/**
 * Arithmetic in one compute type. `unsigned` (uint dtypes) selects the unsigned forms of division,
 * remainder, right shift, min/max and comparisons; it is ignored for floats.
 */
export class Num {
  constructor(
    readonly t: Scalar,
    readonly unsigned = false,
  ) {}

  get float(): boolean {
    return this.t === 'f32' || this.t === 'f64';
  }

  c(v: number | bigint): Expr {
    return this.t === 'i64' ? constant('i64', BigInt(v)) : constant(this.t, Number(v));
  }

  private bin(fn: BinaryFn, a: Expr, b: Expr): Expr {
    return binary(fn, this.t, a, b, this.unsigned && !this.float);
  }

  private cmp(fn: CompareFn, a: Expr, b: Expr): Expr {
    return compare(fn, this.t, a, b, this.unsigned && !this.float);
  }

  u(fn: UnaryFn, x: Expr): Expr {
    return unary(fn, this.t, x);
  }

  add = (a: Expr, b: Expr): Expr => this.bin('add', a, b);
  sub = (a: Expr, b: Expr): Expr => this.bin('sub', a, b);
  mul = (a: Expr, b: Expr): Expr => this.bin('mul', a, b);
  div = (a: Expr, b: Expr): Expr => this.bin('div', a, b);
  rem = (a: Expr, b: Expr): Expr => this.bin('rem', a, b);
  min = (a: Expr, b: Expr): Expr => this.bin('min', a, b);
  max = (a: Expr, b: Expr): Expr => this.bin('max', a, b);
  pow = (a: Expr, b: Expr): Expr => this.bin('pow', a, b);
  and = (a: Expr, b: Expr): Expr => this.bin('and', a, b);
  or = (a: Expr, b: Expr): Expr => this.bin('or', a, b);
  xor = (a: Expr, b: Expr): Expr => this.bin('xor', a, b);
  shl = (a: Expr, b: Expr): Expr => this.bin('shl', a, b);
  shr = (a: Expr, b: Expr): Expr => this.bin('shr', a, b);

  eq = (a: Expr, b: Expr): Expr => this.cmp('eq', a, b);
  ne = (a: Expr, b: Expr): Expr => this.cmp('ne', a, b);
  lt = (a: Expr, b: Expr): Expr => this.cmp('lt', a, b);
  le = (a: Expr, b: Expr): Expr => this.cmp('le', a, b);
  gt = (a: Expr, b: Expr): Expr => this.cmp('gt', a, b);
  ge = (a: Expr, b: Expr): Expr => this.cmp('ge', a, b);

  sel = (cond: Expr, a: Expr, b: Expr): Expr => select(this.t, cond, a, b);
  neg = (x: Expr): Expr => this.u('neg', x);
  abs = (x: Expr): Expr => this.u('abs', x);
}

/** Conditions are i32 0/1: these combine them. */
export const all = (a: Expr, b: Expr): Expr => binary('and', 'i32', a, b);
export const any = (a: Expr, b: Expr): Expr => binary('or', 'i32', a, b);
export const differ = (a: Expr, b: Expr): Expr => compare('ne', 'i32', a, b);

/** Converts between compute types (a no-op when they agree). */
export function to(x: Expr, t: Scalar, unsigned = false): Expr {
  return convert(typeOf(x), t, x, unsigned);
}

/**
 * Element 0 of a constant tensor as the value a load of it yields: halves widened to f32, uint32 as
 * its i32 bit pattern, uint64 as its i64 bit pattern.
 */
export function constantElement(t: Tensor, i = 0): Expr {
  const type = computeType(t.dtype);
  if (isBigInt(t.dtype)) return constant('i64', BigInt.asIntN(64, t.data[i] as bigint));
  const v = getNumber(t, i);
  return constant(type, type === 'i32' ? v | 0 : v);
}

/** Whether every element of the tensor equals element 0 (bit for bit, NaN included). */
export function isUniform(t: Tensor): boolean {
  const d = t.data;
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], d[0])) return false;
  return d.length > 0;
}
