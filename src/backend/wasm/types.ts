import { computeType } from '../kernel/build.js';
import type { Expr, Scalar } from '../kernel/ir.js';
import { RenderError } from './context.js';

/** The type an expression yields (see ir.ts: compares and isnan give i32 0/1). */
export function typeOf(e: Expr): Scalar {
  switch (e.op) {
    case 'const':
      return e.type;
    case 'var':
      return 'i32';
    case 'local':
      return e.type;
    case 'load':
      return computeType(e.dtype);
    case 'unary':
      return e.fn === 'isnan' ? 'i32' : e.type;
    case 'binary':
      return e.type;
    case 'compare':
      return 'i32';
    case 'select':
      return e.type;
    case 'convert':
      return e.to;
  }
}

export function isFloat(t: Scalar): boolean {
  return t === 'f32' || t === 'f64';
}

/** Checks that `e` has type `want`, naming the mismatch. */
export function expectType(e: Expr, want: Scalar, what: string): void {
  const got = typeOf(e);
  if (got !== want) throw new RenderError(`${what}: operand is ${got}, expected ${want}`);
}

/** Every sub-expression of `e`, itself included (index expressions too). */
export function* subExpressions(e: Expr): Generator<Expr> {
  yield e;
  switch (e.op) {
    case 'load':
      if (e.index.dynamic) yield* subExpressions(e.index.dynamic);
      break;
    case 'unary':
    case 'convert':
      yield* subExpressions(e.x);
      break;
    case 'binary':
    case 'compare':
      yield* subExpressions(e.a);
      yield* subExpressions(e.b);
      break;
    case 'select':
      yield* subExpressions(e.cond);
      yield* subExpressions(e.a);
      yield* subExpressions(e.b);
      break;
    default:
      break;
  }
}
